"""The data: LeCun's IDX files, the datasets built from them and from scikit-learn's
8x8 digits, the downloader, the preprocessing that turns any picture into a model's
input, augmentation, and a generated set of mouse-drawn digits."""
from .datasets import (DATASET_NAMES, Dataset, available_datasets, candidate_dirs, default_cache_dir, load_csv,
                       load_dataset, load_digits, load_mnist, locate_mnist, mnist_files_in, mnist_folder)
from .preprocess import ink_map, load_image, prepare

__all__ = ["DATASET_NAMES", "Dataset", "available_datasets", "candidate_dirs", "default_cache_dir", "load_csv",
           "load_dataset", "load_digits", "load_mnist", "locate_mnist", "mnist_files_in", "mnist_folder",
           "ink_map", "load_image", "prepare"]
