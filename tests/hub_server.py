"""A fake Hugging Face Hub on 127.0.0.1 that answers `huggingface_hub.hf_hub_download`.

It serves what `hf_hub_download` (huggingface_hub 0.20 - 0.36) asks for, the way the Hub does:

- `HEAD` / `GET /{repo_id}/resolve/{revision}/{filename}`, where `revision` is a branch, a tag
  or a 40-hex commit hash; the answer carries `X-Repo-Commit` (the commit the revision resolves
  to), `ETag` (the file's git blob sha1, quoted) and `Content-Length`;
- large files (`LFS_SUFFIXES`: weights) as the Hub serves LFS files: a `302` whose `Location` is
  an absolute URL on another host (here: a second port, the "CDN"), with `X-Linked-Etag` (the
  sha256) and `X-Linked-Size`; the client sends its `GET` there;
- `Range: bytes=N-` on a body: `206` with `Content-Range` (how the client resumes a download);
- errors as `huggingface_hub.utils.hf_raise_for_status` reads them: `404` with
  `X-Error-Code: RepoNotFound`, `RevisionNotFound` or `EntryNotFound` (the last with
  `X-Repo-Commit`, from which the client caches that the file does not exist at that commit).

Every request is recorded (`FakeHub.requests`) so tests can tell what came from the network, and
`FakeHub.drop_connection(filename, after_bytes)` makes the next `GET` of that file's body stop
after `after_bytes` bytes and close the connection, as a network failure mid-file does.

No `/api/...` endpoint is served: `hf_hub_download` does not use one (`snapshot_download` would:
`/api/models/{repo_id}/revision/{revision}`); such a request is answered 404 and recorded.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote, urlsplit

LFS_SUFFIXES = (".safetensors", ".h5", ".bin", ".msgpack", ".onnx", ".ckpt")


@dataclasses.dataclass(frozen=True)
class Request:
    """One request the fake Hub received."""

    server: str  # "hub" or "cdn"
    method: str  # "HEAD" or "GET"
    path: str
    repo_id: str | None = None
    revision: str | None = None
    filename: str | None = None
    range: str | None = None  # the Range header, when the client resumes
    status: int = 0


@dataclasses.dataclass
class _File:
    data: bytes
    git_sha1: str
    sha256: str


class FakeHub:
    """An in-memory Hub: repositories of commits of files, and the servers that answer for them.

    Usage::

        hub = FakeHub().start()
        commit = hub.add_commit("org/name", {"config.json": b"{}"}, branch="main", tags=("v1",))
        hub.url  # -> http://127.0.0.1:PORT, for HF_ENDPOINT
        hub.stop()
    """

    def __init__(self) -> None:
        self._commits: dict[str, dict[str, dict[str, _File]]] = {}  # repo -> commit -> filename -> file
        self._refs: dict[str, dict[str, str]] = {}  # repo -> branch or tag -> commit
        self._blobs: dict[str, _File] = {}  # sha256 -> file (the CDN's store)
        self._faults: dict[str, list[int]] = {}  # filename -> bytes to send before each drop
        self._lock = threading.Lock()
        self.requests: list[Request] = []
        self._servers: list[tuple[ThreadingHTTPServer, threading.Thread]] = []
        self.url = ""
        self.cdn_url = ""

    # -- contents -----------------------------------------------------------------------------

    def add_commit(
        self,
        repo_id: str,
        files: dict[str, bytes],
        *,
        branch: str = "main",
        tags: tuple[str, ...] = (),
    ) -> str:
        """Adds a commit holding exactly `files` to `branch` (and `tags`); returns its hash."""
        stored = {name: _file(data) for name, data in files.items()}
        with self._lock:
            commits = self._commits.setdefault(repo_id, {})
            parent = self._refs.get(repo_id, {}).get(branch, "")
            digest = hashlib.sha1(f"{repo_id}\0{parent}\0{len(commits)}".encode())
            for name in sorted(stored):
                digest.update(f"\0{name}\0{stored[name].git_sha1}".encode())
            commit = digest.hexdigest()
            commits[commit] = stored
            refs = self._refs.setdefault(repo_id, {})
            for ref in (branch, *tags):
                refs[ref] = commit
            for file in stored.values():
                self._blobs[file.sha256] = file
        return commit

    def add_directory(self, repo_id: str, directory: str | os.PathLike, **kwargs) -> str:
        """`add_commit` with the files at the top of a local directory."""
        files = {}
        for name in sorted(os.listdir(directory)):
            path = os.path.join(directory, name)
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    files[name] = f.read()
        return self.add_commit(repo_id, files, **kwargs)

    def drop_connection(self, filename: str, after_bytes: int, times: int = 1) -> None:
        """The next `times` GETs of `filename`'s body send `after_bytes` bytes, then close the connection."""
        with self._lock:
            self._faults.setdefault(filename, []).extend([after_bytes] * times)

    # -- what happened ------------------------------------------------------------------------

    def requested(self, method: str | None = None, filename: str | None = None) -> list[Request]:
        """The recorded requests, optionally only one method's and one file's."""
        return [
            r
            for r in list(self.requests)
            if (method is None or r.method == method) and (filename is None or r.filename == filename)
        ]

    def body_gets(self, filename: str | None = None) -> list[Request]:
        """GETs that returned (or began) a file's body: what was downloaded."""
        return [r for r in self.requested("GET", filename) if r.status in (200, 206)]

    def clear_requests(self) -> None:
        self.requests.clear()

    # -- servers ------------------------------------------------------------------------------

    def start(self) -> "FakeHub":
        """Starts the Hub and the CDN, each on a free port of 127.0.0.1 (after `stop`: the same ports)."""
        if self._servers:
            raise RuntimeError("FakeHub is already running")
        for role in ("hub", "cdn"):
            url = self.url if role == "hub" else self.cdn_url
            port = int(url.rsplit(":", 1)[1]) if url else 0
            server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self, role))
            server.daemon_threads = True
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.02}, name=f"fake-hf-{role}", daemon=True
            )
            thread.start()
            self._servers.append((server, thread))
            url = f"http://127.0.0.1:{server.server_address[1]}"
            if role == "hub":
                self.url = url
            else:
                self.cdn_url = url
        return self

    def stop(self) -> None:
        """Stops both servers and closes their sockets: new connections are refused."""
        for server, thread in self._servers:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
        self._servers = []

    @property
    def running(self) -> bool:
        return bool(self._servers)

    def __enter__(self) -> "FakeHub":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- answers ------------------------------------------------------------------------------

    def _resolve(self, repo_id: str, revision: str) -> tuple[str | None, str | None]:
        """(error code, commit) for a repository and revision."""
        with self._lock:
            commits = self._commits.get(repo_id)
            if commits is None:
                return "RepoNotFound", None
            if revision in commits:
                return None, revision
            commit = self._refs[repo_id].get(revision)
            return (None, commit) if commit else ("RevisionNotFound", None)

    def _take_fault(self, filename: str) -> int | None:
        with self._lock:
            pending = self._faults.get(filename)
            return pending.pop(0) if pending else None


def _file(data: bytes) -> _File:
    git_sha1 = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    return _File(data=data, git_sha1=git_sha1, sha256=hashlib.sha256(data).hexdigest())


def _handler(hub: FakeHub, role: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.0: one request per connection, so a stopped server leaves no pooled
        # connection that still answers.
        protocol_version = "HTTP/1.0"

        def log_message(self, format, *args):  # noqa: A002 - the base class's signature
            pass

        def do_HEAD(self):
            self._answer(body=False)

        def do_GET(self):
            self._answer(body=True)

        # -- routing ----------------------------------------------------------------------

        def _answer(self, body: bool) -> None:
            path = urlsplit(self.path).path
            record = dict(server=role, method=self.command, path=path, range=self.headers.get("Range"))
            if role == "cdn":
                self._cdn(path, body, record)
            else:
                self._hub(path, body, record)

        def _hub(self, path: str, body: bool, record: dict) -> None:
            parts = path.strip("/").split("/")
            if "resolve" not in parts[1:3] or parts[0] == "api":
                return self._error(404, None, record, message="Not served by the fake Hub")
            at = parts.index("resolve", 1)
            repo_id = "/".join(unquote(p) for p in parts[:at])
            if len(parts) < at + 3:
                return self._error(404, "EntryNotFound", record)
            revision = unquote(parts[at + 1])
            filename = unquote("/".join(parts[at + 2 :]))
            record.update(repo_id=repo_id, revision=revision, filename=filename)
            error, commit = hub._resolve(repo_id, revision)
            if error:
                return self._error(404, error, record)
            file = hub._commits[repo_id][commit].get(filename)
            if file is None:
                return self._error(404, "EntryNotFound", record, commit=commit)
            headers = {"X-Repo-Commit": commit, "Accept-Ranges": "bytes"}
            if filename.endswith(LFS_SUFFIXES):
                location = f"{hub.cdn_url}/lfs/{file.sha256}/{quote(filename)}"
                redirect = b"Found. Redirecting to " + location.encode()
                headers.update(
                    {
                        "Location": location,
                        "ETag": f'"{file.git_sha1}"',  # the pointer file's, as on the Hub
                        "X-Linked-Etag": f'"{file.sha256}"',
                        "X-Linked-Size": str(len(file.data)),
                        "Content-Type": "text/plain; charset=utf-8",
                    }
                )
                record["status"] = 302
                hub.requests.append(Request(**record))
                return self._send(302, headers, redirect, body)
            headers["ETag"] = f'"{file.git_sha1}"'
            self._file(file, filename, headers, body, record)

        def _cdn(self, path: str, body: bool, record: dict) -> None:
            parts = path.strip("/").split("/")
            file = hub._blobs.get(parts[1]) if len(parts) >= 3 and parts[0] == "lfs" else None
            if file is None:
                return self._error(404, None, record, message="No such blob")
            filename = unquote("/".join(parts[2:]))
            record.update(filename=filename)
            self._file(file, filename, {"ETag": f'"{file.sha256}"', "Accept-Ranges": "bytes"}, body, record)

        # -- bodies -----------------------------------------------------------------------

        def _file(self, file: _File, filename: str, headers: dict, body: bool, record: dict) -> None:
            data, status = file.data, 200
            requested = self.headers.get("Range")
            if requested and requested.startswith("bytes=") and "," not in requested:
                first, _, last = requested[len("bytes=") :].partition("-")
                start = int(first) if first else max(len(data) - int(last), 0)
                end = min(int(last), len(data) - 1) if first and last else len(data) - 1
                if start >= len(data):
                    headers["Content-Range"] = f"bytes */{len(data)}"
                    return self._error(416, None, record, headers=headers)
                headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
                data, status = data[start : end + 1], 206
            headers.setdefault("Content-Type", "application/octet-stream")
            record["status"] = status
            hub.requests.append(Request(**record))
            cut = hub._take_fault(filename) if body else None
            if cut is None:
                return self._send(status, headers, data, body)
            # The fault: announce the whole body, send part of it, and hang up.
            self._send_head(status, headers, len(data))
            self.wfile.write(data[:cut])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

        def _error(
            self,
            status: int,
            code: str | None,
            record: dict,
            *,
            commit: str | None = None,
            message: str | None = None,
            headers: dict | None = None,
        ) -> None:
            headers = dict(headers or {})
            if code:
                headers["X-Error-Code"] = code
            message = message or {
                "RepoNotFound": "Repository not found",
                "RevisionNotFound": "Invalid rev id",
                "EntryNotFound": "Entry not found",
            }.get(code or "", "Error")
            headers["X-Error-Message"] = message
            if commit:
                headers["X-Repo-Commit"] = commit
            headers["Content-Type"] = "application/json"
            record["status"] = status
            hub.requests.append(Request(**record))
            self._send(status, headers, ('{"error": "%s"}' % message).encode(), self.command != "HEAD")

        def _send_head(self, status: int, headers: dict, length: int) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(length))
            self.end_headers()

        def _send(self, status: int, headers: dict, data: bytes, body: bool) -> None:
            self._send_head(status, headers, len(data))
            if body:
                self.wfile.write(data)

    return Handler
