"""A stand-in for the Hugging Face Hub, serving what HfApi.create_repo and HfApi.create_commit call.

The tests point huggingface_hub at it (HF_ENDPOINT), so that train.py's upload and the app's
CommitScheduler (model and dataset repos) run the real library code over HTTP, and the test
can read back exactly what was committed.
Every file is accepted as a "regular" (non-LFS) upload: base64 in the commit itself.
"""

import base64
import hashlib
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeHub:
    def __init__(self):
        self.created = []  # repo ids, in order
        self.visibility = {}  # repo id -> "private" or "public" as created; None: not said, and the Hub makes it public
        self.validated = []  # README.md texts sent to /api/validate-yaml
        self.commits = []  # {"repo_type", "repo_id", "summary", "files": {path: bytes}}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

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
                    return self.reply({"url": f"{hub.url}/{repo_id}"})
                if path == "/api/validate-yaml":
                    hub.validated.append(json.loads(body)["content"])
                    return self.reply({})
                if match := re.fullmatch(r"/api/(?:models|datasets)/(.+)/preupload/main", path):
                    files = json.loads(body)["files"]
                    return self.reply({"files": [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False}
                                                 for f in files]})
                if match := re.fullmatch(r"/api/(models|datasets)/(.+)/commit/main", path):
                    lines = [json.loads(line) for line in body.splitlines()]
                    files = {line["value"]["path"]: base64.b64decode(line["value"]["content"])
                             for line in lines if line["key"] == "file"}
                    repo_type, repo_id, oid = match[1][:-1], match[2], hashlib.sha1(body).hexdigest()
                    hub.commits.append({"repo_type": repo_type, "repo_id": repo_id,
                                        "summary": lines[0]["value"]["summary"], "files": files})
                    return self.reply({"commitUrl": f"{hub.url}/{repo_id}/commit/{oid}", "commitOid": oid})
                self.send_error(404, f"the fake Hub does not serve {path}")

            def do_HEAD(self):  # hf_hub_download asks for a file's metadata: this Hub holds no repo to serve
                self.send_response(404)
                self.send_header("X-Error-Code", "RepoNotFound")  # as the Hub says it
                self.send_header("Content-Length", "0")
                self.end_headers()

            def reply(self, payload):
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):  # quiet: the test reads what was committed
                pass

        return Handler
