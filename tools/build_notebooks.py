"""Authoring source of the teaching notebooks (maintainers only).

``python tools/build_notebooks.py`` writes ``notebooks/0*.ipynb`` *unexecuted* from
the cell lists below; ``python -m dannlib.suite --commit`` then executes them with
the default parameters and stores the cleaned outputs that are committed.
Cells only call :mod:`dannlib` and explain it: no logic lives here.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]

PARAMETERS = """\
dataset: str = "synthfaces"  # synthfaces | kdef | folders | csv
data_dir: str = ""  # dataset folder (kdef, folders) or CSV file (csv); unused for synthfaces
source: str = "men"  # labelled source domain
target: str = "women"  # unlabelled target domain (its labels are used only to report accuracy)
image_size: int = 48  # image side in pixels
shift: float = {shift}  # SynthFaces only: imaging shift of the target domain, 0..1
n_people: int = 100  # SynthFaces only: people per domain
epochs: int = {epochs}  # passes over the larger training domain
batch_size: int = 64  # images per domain per step
lr: float = 0.03  # initial learning rate (annealed by the paper's schedule)
augment: bool = False  # random flips/rotations/jitter (useful for real photos)
separate_batches: bool = True  # DANN: source and target as separate batches (per-domain BatchNorm)
backbone: str = "small_cnn"  # small_cnn | resnet18
seed: int = 0  # seeds data, weights, shuffling and augmentation
device: str = "auto"  # auto | cpu | cuda | cuda:N | mps
output_dir: str = "../runs/latest"  # figures, checkpoints and summary.json go here"""

DEFAULTS = {"shift": "0.6", "epochs": "15"}

IMPORTS = """\
import inspect

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

import dannlib as dl
from dannlib import plots"""

DERIVED = """\
dl.set_seed(seed)
data = dl.load_dataset(dataset, data_dir or None, image_size=image_size, seed=seed,
                       source=source, target=target, shift=shift, n_people=n_people)"""

CONFIG = """\
config = dl.TrainConfig(epochs=epochs, batch_size=batch_size, lr=lr, augment=augment,
                        separate_batches=separate_batches, backbone=backbone, seed=seed,
                        device=device)
config"""


def md(text: str):
    return new_markdown_cell(text.strip("\n"))


def code(text: str, check: bool = False, ignore: bool = False, tags: list[str] | None = None):
    src = text.strip("\n")
    if check:
        src = "# NBVAL_CHECK_OUTPUT\n" + src
    if ignore:
        src = "# NBVAL_IGNORE_OUTPUT\n" + src
    cell = new_code_cell(src)
    if tags:
        cell.metadata["tags"] = tags
    return cell


def head(title: str, objectives: list[str], extra: str = "", params_extra: str = ""):
    goals = "\n".join(f"- {o}" for o in objectives)
    params = PARAMETERS.format(**DEFAULTS) + (("\n" + params_extra) if params_extra else "")
    return [
        md(
            f"# {title}\n\n**Learning objectives.** After this notebook you can:\n{goals}\n\n{extra}"
        ),
        code(IMPORTS),
        md(
            "**Parameters.** Change them here, or pass them to `make run` / papermill "
            "(`python -m dannlib.suite epochs=30 device=cuda`)."
        ),
        code(params, tags=["parameters"]),
        md(
            "Derived settings: seed everything, then load the two domains. The summary "
            "lists every image count, and any file skipped."
        ),
        code(DERIVED, check=True),
    ]


# --------------------------------------------------------------------------------------
NB01 = head(
    "01 · Data and domain shift",
    [
        "name the seven emotions and the FACS action units that define them;",
        "say what the source and target domains are, and why the target has no labels;",
        "see, in pictures and numbers, how men's and women's faces differ here;",
        "explore a synthetic face with sliders for the shift and each action unit.",
    ],
    extra="""
**The task.** A model learns to recognise facial expressions from *men's* faces,
which come with labels (the **source** domain). It is then used on *women's* faces,
for which we pretend to have no labels at all (the **target** domain). Whenever the two
domains differ, accuracy drops on the target: *domain shift*. Domain-adversarial
training (DANN, Ganin et al., JMLR 2016) learns features that work on both.

The default data is **SynthFaces**, a built-in generator, so everything runs offline in
minutes. KDEF or your own men/women folders use the same API (`dataset=kdef`).
""",
)
NB01 += [
    md("""
## The seven emotions

Every dataset in `dannlib` is mapped onto one fixed list, so class 0 always means
*neutral*, class 1 *happy*, and so on. Aliases such as *joy* or *anger* are accepted.
"""),
    code("dl.EMOTIONS", check=True),
    code('[dl.canonical_emotion(x) for x in ["Joy", "ANGER", "afraid", "Sadness"]]', check=True),
    md("""
## How SynthFaces draws an expression: FACS action units

The Facial Action Coding System describes an expression as *action units* (AUs), each the
visible effect of one muscle group. EMFACS lists the AUs of each emotion's prototype.
SynthFaces draws a random intensity for each AU of the prototype, plus a little leakage
into the others, and renders the face from them. Every image keeps its AU vector.
"""),
    code(
        """
from dannlib.facs import AU_NAMES, PROTOTYPES

pd.DataFrame({"action units": {e: " + ".join(f"AU{a}" for a in aus) or "none"
                               for e, aus in PROTOTYPES.items()}})""",
        check=True,
    ),
    code('pd.Series({f"AU{k}": v for k, v in AU_NAMES.items()}, name="what it does")'),
    md(
        "## Samples: each emotion in each domain\n\nRows are emotions; on the left the "
        "labelled source faces, on the right the unlabelled target faces."
    ),
    code("""
fig = plots.plot_sample_grid(data, per_domain=4, seed=seed)
_ = plots.save_figure(fig, output_dir, "01_samples")"""),
    md(
        "## Class balance\n\nAll emotions are equally common in both domains and all "
        "splits, and no person appears in two splits (the splits are *subject-disjoint*)."
    ),
    code("data.counts()", check=True),
    code("""
fig = plots.plot_class_balance(data)
_ = plots.save_figure(fig, output_dir, "01_class_balance")"""),
    md("""
## How the two domains differ

Two kinds of difference separate the domains:

1. **Demographic** (always there): beards and moustaches are mostly on men, long hair
   mostly on women, men's jaws are wider and their brows thicker. This is the realistic,
   mild part of the shift.
2. **Imaging** (the `shift` dial, target only): a cluttered background, a colour cast,
   lower contrast and other lighting. It stands for a different camera or studio, and
   it is the part that makes a men-trained model stumble.

The mean faces and the distributions of brightness and contrast per image show it.
"""),
    code("""
fig = plots.plot_domain_statistics(data)
_ = plots.save_figure(fig, output_dir, "01_domain_statistics")"""),
    md("The same women, with the imaging shift growing from 0 (left) to 1 (right):"),
    code("""
from dannlib import explorer

fig = explorer.shift_strip("happy", people=3)
_ = plots.save_figure(fig, output_dir, "01_shift_strip")"""),
    md("And one action unit at a time: AU12, the *lip corner puller* of a smile."),
    code("""
fig = explorer.au_strip("AU12")
_ = plots.save_figure(fig, output_dir, "01_au12")"""),
    md("""
## Explore it yourself

Pick an emotion (its prototype sets the AU sliders), then move any slider: the face is
generated afresh. Try turning the `shift` up on a woman's face, and try AU combinations
that are *not* prototypes. (Run headlessly, the widget shows only as text: the two static
figures above show the same faces.)
"""),
    code("explorer.face_explorer()", ignore=True),
    md("""
## What to remember

- Source = men, labelled; target = women, **unlabelled** during training.
- The classes are balanced and the splits share no person.
- The domains differ in who is pictured *and* in how they are pictured.

Next, notebook 02 trains on men only and measures how much accuracy that loses on women.
"""),
]

# --------------------------------------------------------------------------------------
NB02 = head(
    "02 · The source-only baseline",
    [
        "train an emotion classifier on labelled men's faces only;",
        "measure it on men and on women, and read the two confusion matrices;",
        "state the men−women accuracy gap that domain shift causes;",
        "compare with the *target oracle*, trained on women's labels, as the ceiling.",
    ],
)
NB02 += [
    code(CONFIG),
    md("""
## What each method may see

`dannlib.training.training_streams` decides which data a method may use. The
**source-only** baseline sees labelled men and nothing of women. The **oracle** is
trained on women's labels: that is cheating for a real deployment, and it is here only
as the ceiling we compare against.
"""),
    code("print(inspect.getsource(dl.training.training_streams))"),
    md(
        "## Train the baseline\n\nA checkpoint is saved after every epoch under "
        "`output_dir/checkpoints/`; a later notebook, or a re-run, reuses it."
    ),
    code("source_only = dl.train_or_load('source_only', data, output_dir, config)", ignore=True),
    code("""
fig = plots.plot_history({"source_only": source_only.history})
_ = plots.save_figure(fig, output_dir, "02_source_only_curves")"""),
    md(
        "## Test accuracy on men and on women\n\nThe women's test labels are used here "
        "only to *report* accuracy, after training."
    ),
    code("""
so = dl.report(source_only, data)
dl.update_summary(output_dir, data, "source_only", so)
pd.Series({f"{source} test accuracy": so["source_test_acc"],
           f"{target} test accuracy": so["target_test_acc"]}).round(2)"""),
    code("""
fig = plots.plot_confusion_pair(so["source_test"]["confusion"], so["target_test"]["confusion"],
                                f"source-only on {source} (test)", f"source-only on {target} (test)")
_ = plots.save_figure(fig, output_dir, "02_confusion")"""),
    md("## The gap, stated plainly"),
    code("""
print(f"Trained on {source}, the model is right {so['source_test_acc']:.0%} of the time on "
      f"{source} and {so['target_test_acc']:.0%} on {target}: a gap of "
      f"{so['gap'] * 100:.0f} percentage points.")"""),
    code('print(f"Source-only is worse on {target} than on {source}:", so["gap"] > 0)', check=True),
    md("## The ceiling: an oracle trained on women's labels"),
    code("oracle = dl.train_or_load('target_oracle', data, output_dir, config)", ignore=True),
    code("""
orc = dl.report(oracle, data)
dl.update_summary(output_dir, data, "target_oracle", orc)
dl.results_table(dl.read_summary(output_dir))"""),
    code(
        'print(f"The oracle beats source-only on {target}:", '
        'orc["target_test_acc"] > so["target_test_acc"])',
        check=True,
    ),
    md("""
## What to remember

The baseline is good on the domain it was trained on and clearly worse on the other.
The oracle shows how much better a model *could* do on women with their labels. Notebook 03
closes part of that gap **without** women's labels.
"""),
]

# --------------------------------------------------------------------------------------
NB03 = head(
    "03 · Domain-adversarial training (DANN)",
    [
        "describe DANN's three parts: feature extractor, label predictor, domain classifier;",
        "explain what the gradient reversal layer does, from its source code;",
        "read the λ and learning-rate schedules of the paper;",
        "train DANN and read its learning curves, including domain accuracy near chance;",
        "measure how much of the source-only → oracle gap DANN recovers, with no target label.",
    ],
)
NB03 += [
    code(CONFIG),
    md("""
## The architecture

One network, three parts. The **feature extractor** $G_f$ turns an image into a feature
vector. The **label predictor** $G_y$ reads the emotion from it and is trained on men's
labels. The **domain classifier** $G_d$ tries to tell men's features from women's.
Between $G_f$ and $G_d$ sits the **gradient reversal layer**: $G_d$ learns to separate the
domains, while $G_f$ receives the *reversed* gradient and learns to make them
inseparable, while still serving $G_y$.
"""),
    code("print(dl.build_model(backbone))", check=True),
    md(
        "## The gradient reversal layer\n\nForward it is the identity; backward it "
        "multiplies the gradient by −λ. This is `dannlib`'s own code:"
    ),
    code("print(inspect.getsource(dl.grl.GradientReversalFunction))"),
    code(
        """
import torch

x = torch.ones(3, requires_grad=True)
dl.grad_reverse(x, 0.5).sum().backward()
print("forward is the identity; gradient of sum(x) after reversal with lambda=0.5:", x.grad)""",
        check=True,
    ),
    md("""
## The schedules

λ rises from 0 to 1, so that the domain classifier's noisy early gradients do not disturb
the features; the learning rate anneals. Both depend on the progress $p$ over the
*whole* run: $\\lambda_p = 2/(1+e^{-\\gamma p}) - 1$ with $\\gamma=10$, and
$\\mu_p = \\mu_0/(1+\\alpha p)^{\\beta}$ with $\\alpha=10$, $\\beta=0.75$.
"""),
    code("print(inspect.getsource(dl.grl_lambda))\nprint(inspect.getsource(dl.dann_lr))"),
    code("""
fig = plots.plot_schedules(lr0=lr)
_ = plots.save_figure(fig, output_dir, "03_schedules")"""),
    md(
        "## Train DANN\n\nEach step takes a batch of labelled men and an equal batch of "
        "unlabelled women. Source and target pass through the network as separate batches, "
        "so that BatchNorm keeps per-domain statistics."
    ),
    code('print("Training on:", dl.describe_device(dl.resolve_device(device)))', ignore=True),
    code("dann = dl.train_or_load('dann', data, output_dir, config)", ignore=True),
    md("""
## Learning curves

The label loss falls; the domain loss stays high (near ln 2 = 0.69) and the domain
classifier's accuracy stays close to **chance (0.5)**: during training it cannot tell men's
features from women's. (Part of that is BatchNorm: with separate batches each domain is
normalised with its own statistics, which already aligns them; notebook 04 comes back to it.)
The last panel, accuracy on women's validation images, is **monitoring only**: it is
logged, never used to train or to choose a model.
"""),
    code("""
fig = plots.plot_history({"dann": dann.history})
_ = plots.save_figure(fig, output_dir, "03_dann_curves")"""),
    md(
        "## DANN against source-only and the oracle, on women\n\nThe baselines come from "
        "notebook 02's checkpoints (or are trained now if they are missing)."
    ),
    code(
        """
source_only = dl.train_or_load('source_only', data, output_dir, config)
oracle = dl.train_or_load('target_oracle', data, output_dir, config)
so, dn, orc = (dl.report(r, data) for r in (source_only, dann, oracle))
for name, m in (("source_only", so), ("dann", dn), ("target_oracle", orc)):
    summary = dl.update_summary(output_dir, data, name, m)""",
        ignore=True,
    ),
    code("""
recovered = dl.gap_recovered(so["target_test_acc"], dn["target_test_acc"], orc["target_test_acc"])
summary = dl.update_summary(output_dir, data, gap_recovered=recovered)
dl.results_table(summary)"""),
    code("""
print(f"On {target}: source-only {so['target_test_acc']:.0%}, DANN {dn['target_test_acc']:.0%}, "
      f"oracle {orc['target_test_acc']:.0%}. DANN recovers {recovered:.0%} of the gap.")"""),
    code(
        'print(f"DANN beats source-only on {target}:", '
        'dn["target_test_acc"] > so["target_test_acc"])',
        check=True,
    ),
    md("""
## Why no target label was used

- The target training stream is `FaceSet.images_only()`: it carries no labels at all, and
  the trainer refuses a labelled one (`tests/test_training.py` proves that scrambling
  every woman's label leaves the trained weights bit-for-bit unchanged).
- Model selection uses men's validation accuracy only (`select="source_val"`) or simply
  the last epoch (`select="last"`, the default).
- Women's labels appear only in `dl.report`, after training, to measure what happened.

In a real deployment you would not have them at all; a method that peeks at them to tune
itself reports numbers it could never reach.
"""),
]

# --------------------------------------------------------------------------------------
NB04 = head(
    "04 · What DANN does to the features: t-SNE and proxy A-distance",
    [
        "embed the learned features of both domains with t-SNE;",
        "compare source-only and DANN features, coloured by domain and by emotion;",
        "measure domain separability with the proxy A-distance, before and after;",
        "point a class at what to look for.",
    ],
    params_extra="tsne_points: int = 400  # test images per domain in the t-SNE plots",
)
NB04 += [
    code(CONFIG),
    code(
        """
source_only = dl.train_or_load('source_only', data, output_dir, config)
dann = dl.train_or_load('dann', data, output_dir, config)""",
        ignore=True,
    ),
    md(
        "## Features of both domains' test images\n\nThe same images go through both "
        "models' feature extractors."
    ),
    code(
        """
import numpy as np

from dannlib.analysis import balanced_sample

src_test, tgt_test = data.get(source, "test"), data.get(target, "test")
pick_s = balanced_sample(len(src_test), tsne_points, seed)
pick_t = balanced_sample(len(tgt_test), tsne_points, seed)
domains = np.r_[np.zeros(len(pick_s), int), np.ones(len(pick_t), int)]
labels = np.r_[src_test.labels.numpy()[pick_s], tgt_test.labels.numpy()[pick_t]]
features = {}
for name, result in (("source-only", source_only), ("DANN", dann)):
    fs = dl.extract_features(result.model, src_test.images[pick_s])
    ft = dl.extract_features(result.model, tgt_test.images[pick_t])
    features[name] = (fs, ft)
{name: (fs.shape, ft.shape) for name, (fs, ft) in features.items()}""",
        check=True,
    ),
    md(
        "## t-SNE, side by side\n\nTop: coloured by domain. Bottom: the same points "
        "coloured by emotion (target emotions are used for colouring only)."
    ),
    code("""
emb = {name: dl.tsne_embedding(np.concatenate([fs, ft]), seed=seed)
       for name, (fs, ft) in features.items()}
fig = plots.plot_tsne_pair(emb, domains, labels, (source, target))
_ = plots.save_figure(fig, output_dir, "04_tsne")"""),
    md("""
## Proxy A-distance

Train a linear classifier to tell the two domains apart from the features, and measure
its test error ε. The proxy A-distance is $2(1-2\\varepsilon)$: 2 when the domains are
perfectly separable, 0 when they are indistinguishable.
"""),
    code("print(inspect.getsource(dl.proxy_a_distance))"),
    md("The t-SNE used a sample; the proxy A-distance uses **all** test images of both domains."),
    code("""
pad = {}
for name, result in (("source-only", source_only), ("DANN", dann)):
    fs_all = dl.extract_features(result.model, src_test.images)
    ft_all = dl.extract_features(result.model, tgt_test.images)
    pad[name] = dl.proxy_a_distance(fs_all, ft_all, seed=seed)
summary = dl.update_summary(output_dir, data,
                            proxy_a_distance={"source_only": pad["source-only"],
                                              "dann": pad["DANN"]})
pd.Series(pad, name="proxy A-distance").round(2)"""),
    code(
        "print(f\"Proxy A-distance, source-only {pad['source-only']:.2f} -> DANN {pad['DANN']:.2f}; "
        "lower with DANN: {pad['DANN'] < pad['source-only']}\")"
    ),
    md("""
## What a teacher should point at

1. **Top-left** (source-only, by domain): for some emotions the women form islands of
   their own, away from the men. The label predictor never saw features there, which is
   where its mistakes on women come from.
2. **Top-right** (DANN, by domain): every cluster now holds men *and* women side by
   side. The domains still form sub-clusters, but they sit inside the same emotion cluster.
3. **Bottom row** (by emotion): DANN's map is organised by *emotion* across both domains,
   which is why a label predictor trained on men now works on women.
4. **The proxy A-distance stays high** (close to 2) for both models: a linear classifier
   on all 128 features can still tell the domains apart. Be honest with the class about
   why. With the default `separate_batches=True`, BatchNorm normalises each domain's batch
   with its own statistics during training, so the domain classifier sees features that are
   already partly aligned (its accuracy stayed near chance in notebook 03). At evaluation,
   BatchNorm uses running averages over both domains, and small domain offsets come back.
   What DANN buys here is features whose *emotion* structure is shared, not features from
   which the domain cannot be read at all. An exercise: re-run with
   `separate_batches=False` (one concatenated batch). In our measurement on seed 0 the
   PAD fell (about 1.99 to 1.86) but women's accuracy fell too (0.83 to 0.79).
5. Caveat: t-SNE distorts distances and depends on its perplexity and seed. Read it for
   neighbourhoods, not for geometry, and use the numbers for quantitative claims.
"""),
]

# --------------------------------------------------------------------------------------
NB05 = head(
    "05 · Results and fairness",
    [
        "compare all methods in one table and one figure;",
        "read per-domain accuracy and the men−women gap before and after adaptation;",
        "see which emotions gain most from adaptation;",
        "state honestly what synthetic faces can and cannot show, and how to run on KDEF.",
    ],
)
NB05 += [
    code(CONFIG),
    code(
        """
results = {m: dl.train_or_load(m, data, output_dir, config) for m in dl.METHODS}
for name, result in results.items():
    summary = dl.update_summary(output_dir, data, name, dl.report(result, data))""",
        ignore=True,
    ),
    md(
        "## All methods, one table\n\nAccuracies are fractions of the test images; "
        "target (women's) labels are used to **report** only."
    ),
    code("""
table = dl.results_table(summary)
table"""),
    code("""
fig = plots.plot_results(summary)
_ = plots.save_figure(fig, output_dir, "05_results")"""),
    md("## Fairness: the men−women gap before and after adaptation"),
    code("""
gaps = {m: summary["methods"][m]["gap"] for m in dl.METHODS}
pd.Series(gaps, name=f"{source} - {target} accuracy").round(3)"""),
    code(
        """
print(f"The {source}-{target} gap shrinks with DANN:",
      abs(gaps["dann"]) < abs(gaps["source_only"]))""",
        check=True,
    ),
    md("## Per-emotion accuracy on women"),
    code("""
fig = plots.plot_per_emotion(summary)
_ = plots.save_figure(fig, output_dir, "05_per_emotion")"""),
    md("""
## Honest limits

- **Synthetic faces are not people.** SynthFaces shows the *mechanism* of domain shift and
  adaptation with a controllable dial. It cannot tell you how large the men→women gap is
  for real faces, nor whether DANN closes it there: on real datasets the shift is mostly
  demographic and often much smaller, and the numbers must be measured, not assumed.
- **The imaging shift is a teaching device.** Here the women's images also differ in
  background, colour and contrast. That is why the gap is large. At `shift=0` only the
  demographic differences remain and DANN has little to fix (see `make bench`).
- **Binary sex is a simplification** of the datasets used here, not a claim about people.
- **Small data.** KDEF has 70 people; with subject-disjoint splits the test sets are small,
  so compare methods over several seeds (`make bench` does this for SynthFaces).

## Run it on KDEF or on your own folders

```bash
make run ARGS="dataset=kdef data_dir=data/KDEF image_size=64 epochs=40 device=cuda --name kdef"
python -m dannlib.suite dataset=folders data_dir=/path/to/faces --name myfaces
python -m dannlib.suite --list     # every parameter, its type and default
```
See `data/README.md` for the layouts each loader accepts.
"""),
]

NOTEBOOKS = {
    "01_data_and_domain_shift.ipynb": NB01,
    "02_source_only_baseline.ipynb": NB02,
    "03_dann_training.ipynb": NB03,
    "04_tsne_features.ipynb": NB04,
    "05_results_and_fairness.ipynb": NB05,
}


def main() -> None:
    for name, cells in NOTEBOOKS.items():
        nb = new_notebook(cells=cells)
        nb.metadata["kernelspec"] = {
            "display_name": "Python 3",
            "language": "python",
            "name": "python3",
        }
        nb.metadata["language_info"] = {"name": "python"}
        nbformat.write(nb, ROOT / "notebooks" / name)
        print("wrote", name)


if __name__ == "__main__":
    main()
