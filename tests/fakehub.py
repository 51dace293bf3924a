"""A stand-in for the Hugging Face Hub, serving what huggingface_hub's uploads and downloads call.

The tests point huggingface_hub at it (HF_ENDPOINT), so that train.py's upload, the app's
CommitScheduler, space.py (model, dataset and Space repos) and the downloads run the real
library code over HTTP, and the test can read back exactly what was committed.
Every file is accepted as a "regular" (non-LFS) upload: base64 in the commit itself. As the Hub
does, the preupload answer gives the oid of a file the repo already holds, so that the library
leaves an unchanged file out of the commit, and makes no commit when nothing changed.
Tokens: TOKEN_ROLES, as /api/whoami-v2 tells them; any other is refused (401).
"""

import base64
import hashlib
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

TOKEN_ROLES = {"hf_test_token": "write", "hf_read_token": "read"}
API_REPO = r"/api/(models|datasets|spaces)/([^/]+/[^/]+)"
RESOLVE = re.compile(r"/(?:(datasets|spaces)/)?([^/]+/[^/]+)/resolve/([^/]+)/(.+)")


def git_blob_sha1(data):
    """A file's oid, as git and the Hub name a regular (non-LFS) file."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class FakeHub:
    def __init__(self):
        self.created = []  # repo ids, in order
        self.visibility = {}  # repo id -> "private" or "public" as created; None: not said, and the Hub makes it public
        self.create_requests = {}  # repo id -> the body of its last create request (type, sdk, ...)
        self.validated = []  # README.md texts sent to /api/validate-yaml
        self.commits = []  # {"repo_type", "repo_id", "summary", "files": {path: bytes}, "deleted": [paths]}
        self.repos = {}  # (repo_type, repo_id) -> {"sha": head commit, "files": {path: bytes}}
        self.variables = {}  # Space id -> {key: value}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def files(self, repo_type, repo_id):
        """What a repo holds now: {path: bytes}."""
        return self.repos[(repo_type, repo_id)]["files"]

    def _handler(self):
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                path = self.path.split("?")[0]
                if path == "/api/repos/create":
                    request = json.loads(body)
                    repo_id = f"{request['organization']}/{request['name']}"
                    hub.created.append(repo_id)
                    hub.visibility[repo_id] = request.get("visibility")
                    hub.create_requests[repo_id] = request
                    hub.repos.setdefault((request.get("type", "model"), repo_id), {"sha": "0" * 40, "files": {}})
                    return self.reply({"url": f"{hub.url}/{repo_id}"})
                if path == "/api/validate-yaml":
                    request = json.loads(body)
                    hub.validated.append(request["content"])
                    short = re.search(r"^short_description: *(.*)$", request["content"], re.M)
                    if request.get("repoType") == "space" and short and len(short[1]) > 60:  # one of the Hub's rules
                        return self.reply({"errors": [{"message": '"short_description" length must be less than or '
                                                                  "equal to 60 characters long"}]}, status=400)
                    return self.reply({})
                if match := re.fullmatch(API_REPO + r"/preupload/main", path):
                    held = hub.repos.get((match[1][:-1], match[2]), {"files": {}})["files"]
                    files = json.loads(body)["files"]
                    return self.reply({"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False,
                                                  "oid": git_blob_sha1(held[f["path"]]) if f["path"] in held else None}
                                                 for f in files]})
                if match := re.fullmatch(API_REPO + r"/commit/main", path):
                    lines = [json.loads(line) for line in body.splitlines()]
                    files = {line["value"]["path"]: base64.b64decode(line["value"]["content"])
                             for line in lines if line["key"] == "file"}
                    deleted = [line["value"]["path"] for line in lines if line["key"] == "deletedFile"]
                    repo_type, repo_id, oid = match[1][:-1], match[2], hashlib.sha1(body).hexdigest()
                    hub.commits.append({"repo_type": repo_type, "repo_id": repo_id,
                                        "summary": lines[0]["value"]["summary"], "files": files, "deleted": deleted})
                    repo = hub.repos.setdefault((repo_type, repo_id), {"files": {}})
                    repo["files"] = {p: d for p, d in {**repo["files"], **files}.items() if p not in deleted}
                    repo["sha"] = oid
                    return self.reply({"commitUrl": f"{hub.url}/{repo_id}/commit/{oid}", "commitOid": oid})
                if match := re.fullmatch(r"/api/spaces/([^/]+/[^/]+)/variables", path):
                    variable = json.loads(body)
                    hub.variables.setdefault(match[1], {})[variable["key"]] = variable["value"]
                    return self.reply(self.space_variables(match[1]))
                self.send_error(404, f"the fake Hub does not serve {path}")

            def do_GET(self):
                path = unquote(self.path.split("?")[0])
                if path == "/api/whoami-v2":
                    role = TOKEN_ROLES.get(self.headers.get("Authorization", "").removeprefix("Bearer "))
                    if role is None:
                        return self.send_error(401, "Invalid credentials in Authorization header")
                    return self.reply({"type": "user", "name": "tester",
                                       "auth": {"type": "access_token", "accessToken": {"role": role}}})
                if match := re.fullmatch(r"/api/spaces/([^/]+/[^/]+)/variables", path):
                    return self.reply(self.space_variables(match[1]))
                if match := re.fullmatch(API_REPO + r"(?:/(revision|tree)/[^/]+(?:/.*)?)?", path):
                    repo = hub.repos.get((match[1][:-1], match[2]))
                    if repo is None:
                        return self.repo_not_found()
                    if match[3] != "tree":  # the repo's info, at its head
                        return self.reply({"id": match[2], "sha": repo["sha"],
                                           "siblings": [{"rfilename": p} for p in repo["files"]]})
                    return self.reply([{"type": "file", "path": p, "oid": git_blob_sha1(d), "size": len(d)}
                                       for p, d in sorted(repo["files"].items())])
                self.serve_file(send_body=True)

            def do_HEAD(self):  # hf_hub_download asks for a file's metadata, then GETs it
                self.serve_file(send_body=False)

            def serve_file(self, send_body):
                match = RESOLVE.fullmatch(unquote(self.path.split("?")[0]))
                repo = match and hub.repos.get(((match[1] or "models")[:-1], match[2]))
                if repo is None or match[4] not in repo["files"]:
                    return self.repo_not_found()  # as the Hub says it for a repo it does not hold
                data = repo["files"][match[4]]
                self.send_response(200)
                self.send_header("X-Repo-Commit", repo["sha"])
                self.send_header("ETag", f'"{git_blob_sha1(data)}"')
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if send_body:
                    self.wfile.write(data)

            def space_variables(self, space_id):
                return {key: {"value": value} for key, value in hub.variables.get(space_id, {}).items()}

            def repo_not_found(self):
                self.send_response(404)
                self.send_header("X-Error-Code", "RepoNotFound")  # as the Hub says it
                self.send_header("Content-Length", "0")
                self.end_headers()

            def reply(self, payload, status=200):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):  # quiet: the test reads what was committed
                pass

        return Handler
