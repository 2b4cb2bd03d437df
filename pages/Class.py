"""Class (URL /Class): the teacher's page.  The teacher key opens it; then every
workspace by display name with its runs and models, the class gallery (Unpublish, Make
class default), the leaderboard, the class's handwriting and Reset the class."""
import streamlit as st

import studio_ui as ui
from studio_ui import classroom, session
from studio_ui.lang import t
from mnist_core.storage.classroom import class_handwriting

ui.start_page()
st.title(t("Class"))
teacher = classroom.sign_in()
if teacher is None:
    st.stop()

left, right = st.columns([5, 1])
left.caption(t("You are the teacher in this browser session. Pupils see none of this page."))
right.button(t("Leave"), key="teacher_leave", on_click=lambda: st.session_state.pop(session.TEACHER, None))

dataset = ui.active_name()
classroom.workspaces_panel(teacher)
records = classroom.gallery_panel(teacher, dataset)
pool = class_handwriting()
classroom.leaderboard_panel(records, pool)
classroom.handwriting_panel(pool)
classroom.reset_panel(teacher, lambda: [j for v in classroom.class_overview(teacher, session.jobs().jobs)
                                        for j in v.runs if not j.status.finished])
