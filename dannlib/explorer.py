"""An interactive SynthFaces explorer for notebook 01 (ipywidgets), with static fallbacks.

Sliders for the imaging ``shift`` and for every FACS action unit redraw a freshly
generated face. Run headlessly (papermill, nbval), the widget cannot be shown, so
:func:`shift_strip` and :func:`au_strip` draw the same faces as static figures.
"""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np

from .emotions import EMOTIONS
from .facs import AU_COLUMNS, AU_NAMES, AUS, prototype_vector
from .synthfaces import render_face

__all__ = ["face_explorer", "shift_strip", "au_strip"]


def _png(img: np.ndarray, scale: int = 4) -> bytes:
    from PIL import Image

    pil = Image.fromarray(img).resize((img.shape[1] * scale, img.shape[0] * scale), Image.NEAREST)
    buf = io.BytesIO()
    pil.save(buf, format="PNG")
    return buf.getvalue()


def face_explorer(image_size: int = 64):
    """An ipywidgets panel: emotion, person, sex, shift and one slider per action unit.

    Choosing an emotion sets the AU sliders to its EMFACS prototype; moving a slider
    re-renders the face with :func:`dannlib.synthfaces.render_face`.
    """
    import ipywidgets as w

    emotion = w.Dropdown(options=list(EMOTIONS), value="happy", description="emotion")
    person = w.IntSlider(value=0, min=0, max=50, description="person")
    sex = w.ToggleButtons(options=["men", "women"], value="women", description="sex")
    shift = w.FloatSlider(value=0.0, min=0.0, max=1.0, step=0.05, description="shift")
    au_sliders = {
        col: w.FloatSlider(
            value=0.0,
            min=0.0,
            max=1.0,
            step=0.05,
            description=col,
            tooltip=AU_NAMES[au],
            continuous_update=False,
        )
        for col, au in zip(AU_COLUMNS, AUS)
    }
    image = w.Image(format="png", width=image_size * 4, height=image_size * 4)
    busy = {"setting": False}

    def redraw(*_):
        if busy["setting"]:
            return
        aus = {col: s.value for col, s in au_sliders.items()}
        img = render_face(
            emotion.value,
            aus=aus,
            shift=shift.value,
            identity_seed=person.value,
            sex=sex.value,
            image_size=image_size,
        )
        image.value = _png(img)

    def set_prototype(*_):
        busy["setting"] = True
        for col, v in zip(AU_COLUMNS, prototype_vector(emotion.value)):
            au_sliders[col].value = float(v)
        busy["setting"] = False
        redraw()

    emotion.observe(set_prototype, names="value")
    for widget in (person, sex, shift, *au_sliders.values()):
        widget.observe(redraw, names="value")
    set_prototype()
    left = w.VBox([emotion, person, sex, shift, image])
    right = w.VBox([w.HTML("<b>FACS action units</b>"), *au_sliders.values()])
    return w.HBox([left, right])


def shift_strip(emotion: str = "happy", people: int = 3, steps: int = 5, image_size: int = 64):
    """Static figure: the same women at increasing imaging shift (columns 0 ... 1)."""
    shifts = np.linspace(0, 1, steps)
    fig, axes = plt.subplots(people, steps, figsize=(steps * 1.5, people * 1.55), squeeze=False)
    for r in range(people):
        for c, s in enumerate(shifts):
            axes[r, c].imshow(
                render_face(
                    emotion, shift=float(s), identity_seed=r, sex="women", image_size=image_size
                )
            )
            axes[r, c].axis("off")
            if r == 0:
                axes[r, c].set_title(f"shift={s:.2f}", fontsize=9)
    fig.suptitle(f"One '{emotion}' woman per row, imaging shift growing to the right", fontsize=10)
    fig.tight_layout()
    return fig


def au_strip(au: str = "AU12", steps: int = 5, image_size: int = 64, sex: str = "men"):
    """Static figure: one neutral face with a single action unit turned from 0 to 1."""
    fig, axes = plt.subplots(1, steps, figsize=(steps * 1.5, 1.8))
    for c, v in enumerate(np.linspace(0, 1, steps)):
        axes[c].imshow(render_face("neutral", aus={au: float(v)}, sex=sex, image_size=image_size))
        axes[c].axis("off")
        axes[c].set_title(f"{au}={v:.2f}", fontsize=9)
    fig.tight_layout()
    return fig
