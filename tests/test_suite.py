"""The papermill runner: parameter cells, validation, cleaning (no notebook execution here)."""

import json

import nbformat
import pytest

from dannlib import suite

EXPECTED = {"dataset", "data_dir", "source", "target", "image_size", "shift", "n_people",
            "epochs", "batch_size", "lr", "backbone", "seed", "device", "output_dir"}  # fmt: skip


@pytest.fixture(scope="module")
def declared():
    return {p.name: suite.notebook_parameters(p) for p in suite.notebook_paths()}


def test_five_notebooks_in_order():
    names = [p.name for p in suite.notebook_paths()]
    assert names == sorted(names) and len(names) == 5 and names[0].startswith("01_")


def test_every_notebook_documents_its_parameters(declared):
    for name, params in declared.items():
        assert EXPECTED <= set(params), name
        for pname, p in params.items():
            assert p["help"], f"{name}: parameter {pname} has no help comment"
            assert p["type"] in ("str", "int", "float", "bool"), f"{name}: {pname} untyped"


def test_parameters_cell_first_after_imports_and_literal_only():
    for path in suite.notebook_paths():
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1 and code[1] is tagged[0], path.name
        for line in tagged[0].source.splitlines():
            assert "(" not in line.split("#")[0], f"{path.name}: not a literal: {line}"
        assert nb.metadata["kernelspec"]["name"] == "python3"


def test_parse_parameters_types():
    valid = {"epochs": {"type": "int"}, "lr": {"type": "float"}, "dataset": {"type": "str"},
             "amp": {"type": "bool"}}  # fmt: skip
    got = suite.parse_parameters(["epochs=3", "lr=0.1", "dataset=kdef", "amp=false"], valid)
    assert got == {"epochs": 3, "lr": 0.1, "dataset": "kdef", "amp": False}
    with pytest.raises(ValueError, match="epochs='three' is not a valid int"):
        suite.parse_parameters(["epochs=three"], valid)
    with pytest.raises(ValueError, match="must look like name=value"):
        suite.parse_parameters(["epochs"], valid)


def test_unknown_parameter_is_refused_with_the_valid_list(capsys):
    assert suite.main(["epoch=3"]) == 2
    err = capsys.readouterr().err
    assert "Unknown parameter 'epoch'" in err and "Did you mean 'epochs'" in err
    assert "batch_size" in err and "output_dir" in err


def test_list_parameters(capsys):
    assert suite.main(["--list"]) == 0
    out = capsys.readouterr().out
    assert "epochs" in out and "passes over the larger training domain" in out


def test_clean_notebook_strips_papermill_metadata(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    nb.metadata["papermill"] = {"duration": 1.0}
    nb.cells[0].metadata["papermill"] = {"duration": 0.5}
    nb.cells[0].metadata["execution"] = {"iopub.status.busy": "x"}
    nb.cells[0].execution_count = 1
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    suite.clean_notebook(path)
    text = path.read_text()
    assert "papermill" not in text and "duration" not in text
    assert json.loads(text)["cells"][0]["execution_count"] == 1


def test_committed_notebooks_are_clean():
    for path in suite.notebook_paths():
        text = path.read_text()
        nb = json.loads(text)
        assert "papermill" not in nb["metadata"], path.name
        assert str(suite.ROOT) not in text, f"{path.name} shows an absolute path"
        counts = [c.get("execution_count") for c in nb["cells"] if c["cell_type"] == "code"]
        with_output = [c for c in nb["cells"] if c["cell_type"] == "code" and c.get("outputs")]
        assert all(c["execution_count"] for c in with_output), path.name
        assert counts == list(range(1, len(counts) + 1)), f"{path.name}: execution-count gaps"
