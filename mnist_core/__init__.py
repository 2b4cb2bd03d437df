"""mnist_core: the engine of MNIST studio -- data, preprocessing, models, training,
evaluation, persistence and plots, with no user interface (the CLI and the Streamlit
app are thin layers over it)."""
__version__ = "0.1.0"
