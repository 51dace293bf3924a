"""make space: put the app on a Hugging Face Space, exactly the files it runs with, in one commit.

    python space.py <user>/<name> [--model-repo <user>/<model>] [--feedback-repo <user>/<dataset>]

The files follow rules, not a list: app.py and the modules of this folder it imports (directly
or through one another), the examples app.py's EXAMPLE_GLOBS name, the files README.md shows or
links to (its images, benchmarks/README.md), README.md, requirements.txt, .gitattributes, and
model.keras with reports/ unless the Space pulls the model from --model-repo. Nothing else goes up:
not .venv/, checkpoints/, feedback/, screenshots/ or caches, and not tests/, train.py or the
benchmarks' scripts: the Space runs none of them, and every commit to a Space restarts it.
Files on the Space that the rules no longer name are deleted in the same commit; a run with
nothing changed makes no commit (huggingface_hub leaves unchanged files out, and an empty commit).
"""

import argparse
import ast
import re
import sys
from pathlib import Path

from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi, SpaceCard, constants, get_token

import feedback
import hub

ROOT = Path(__file__).parent
APP = "app.py"
ALWAYS = ("README.md", "requirements.txt", ".gitattributes")
EXAMPLES_NAME = "EXAMPLE_GLOBS"  # app.py's literal {name: (glob, ...)} of the example files it shows
README_LINK = re.compile(r"\]\(([^)\s#]+)")  # [text](path) and ![alt](path)
TOKEN_PAGE = "https://huggingface.co/settings/tokens"


class SpaceError(Exception):
    """The Space cannot be published; the message says what to do, on one line."""


def local_modules(folder, script=APP):
    """script and the modules of folder that it imports, directly or through one another: their file names."""
    found, waiting = set(), [script]
    while waiting:
        name = waiting.pop()
        if name in found:
            continue
        found.add(name)
        for node in ast.walk(ast.parse((folder / name).read_text(), name)):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules = [node.module]
            else:
                continue
            waiting += [path for module in modules if (folder / (path := module.split(".")[0] + ".py")).is_file()]
    return found


def example_files(folder):
    """The files app.py's EXAMPLE_GLOBS match, read from its source: importing app.py would load the model."""
    for node in ast.parse((folder / APP).read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == EXAMPLES_NAME for t in node.targets):
            globs = [glob for globs in ast.literal_eval(node.value).values() for glob in globs]
            return {path.relative_to(folder).as_posix() for glob in globs for path in folder.glob(glob)}
    raise SpaceError(f"{APP} has no {EXAMPLES_NAME}: the examples to upload cannot be told")


def readme_links(folder):
    """The files of folder that README.md shows or links to: the Space's page shows README.md."""
    links = README_LINK.findall((folder / "README.md").read_text())
    return {link for link in links if "://" not in link and (folder / link).is_file()}


def space_files(folder, with_model=True):
    """What the Space runs with: paths relative to folder, sorted."""
    files = local_modules(folder) | example_files(folder) | readme_links(folder) | set(ALWAYS)
    if with_model:
        files |= {hub.MODEL_FILE, *(p.relative_to(folder).as_posix() for p in (folder / "reports").iterdir()
                                    if p.is_file())}
    return sorted(files)


def space_card(folder, model_repo):
    """README.md, its front matter linking the model repo when the Space pulls the model from one."""
    readme = (folder / "README.md").read_text()
    if not model_repo:
        return readme  # as it is: a second run finds it unchanged
    card = SpaceCard(readme)
    card.data.models = [model_repo]
    return str(card)


def check_token(api):
    """Fail before anything is sent: no token, a token the Hub refuses, or a read-only one."""
    login = f"make one that can write at {TOKEN_PAGE}, then run `hf auth login` or set HF_TOKEN"
    if get_token() is None:
        raise SpaceError(f"no Hugging Face token: {login}")
    try:
        access = api.whoami()["auth"]["accessToken"]
    except hub.HUB_ERRORS as e:
        raise SpaceError(f"the Hub did not accept the token ({hub.one_line(e)}): {login}") from None
    if access.get("role") == "read":
        raise SpaceError(f"the Hugging Face token is read-only: {login}")


def publish(space_id, model_repo=None, feedback_repo=None, folder=ROOT):
    """Create the Space if missing, commit its files (and delete the ones it no longer runs with), set its
    variables. Returns the lines to print."""
    for option, repo_id in (("SPACE", space_id), ("--model-repo", model_repo), ("--feedback-repo", feedback_repo)):
        if repo_id:
            hub.check_repo_id(option, repo_id, SpaceError)
    api = HfApi()
    check_token(api)
    files = space_files(folder, with_model=not model_repo)
    operations = [CommitOperationAdd(path, space_card(folder, model_repo).encode() if path == "README.md"
                                     else folder / path) for path in files]
    try:
        api.create_repo(space_id, repo_type="space", space_sdk="gradio", exist_ok=True)  # free CPU hardware
        before = api.space_info(space_id)
        stale = sorted({s.rfilename for s in before.siblings} - set(files))
        operations += [CommitOperationDelete(path) for path in stale]
        commit = api.create_commit(space_id, operations, repo_type="space",
                                   commit_message=f"make space: {len(files)} files")
        variables = {key: value for key, value in ((hub.REPO_ENV, model_repo), (feedback.REPO_ENV, feedback_repo))
                     if value}
        held = api.get_space_variables(space_id)
        for key, value in variables.items():
            if key not in held or held[key].value != value:
                api.add_space_variable(space_id, key, value)
    except ValueError as e:  # the Hub's card validation refused README.md's front matter
        raise SpaceError(f"README.md's front matter: {hub.one_line(e)}") from None
    except hub.HUB_ERRORS as e:
        raise SpaceError(f"cannot publish the Space {space_id}: {hub.one_line(e)}") from None
    url = f"{constants.ENDPOINT}/spaces/{space_id}"
    lines = [f"{url}: nothing changed, no commit" if commit.oid == before.sha else
             f"{url}: {commit.commit_url} (the Space holds {len(files)} files" +
             (f"; {len(stale)} deleted)" if stale else ")")]
    lines += [f"variable {key}={value}" for key, value in variables.items()]
    if feedback_repo:
        lines.append(f"By hand, once: in {url}/settings add the secret HF_TOKEN, a token that can write to the "
                     f"dataset {feedback_repo} (the app pushes visitors' corrections with it); none is uploaded.")
    else:
        lines.append("Visitors' corrections stay on the Space's disk, lost when it restarts: give FEEDBACK_REPO="
                     "<user>/<dataset> to keep them in a Hub dataset.")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("space", metavar="SPACE", help="the Space: <user or organisation>/<name>")
    parser.add_argument("--model-repo", help="pull model.keras from this Hub model repo (not uploaded then)")
    parser.add_argument("--feedback-repo", help="the Hub dataset repo the app pushes visitors' corrections to")
    args = parser.parse_args()
    try:
        print("\n".join(publish(args.space, args.model_repo, args.feedback_repo)))
    except SpaceError as e:
        sys.exit(f"space.py: {e}")


if __name__ == "__main__":
    main()
