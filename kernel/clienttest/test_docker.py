"""Static checks of the Docker way in: Dockerfile, docker-compose.yml, .dockerignore.

No Docker engine runs on our machines or in CI, so these tests read the files
and assert what `docker compose up` relies on: JupyterLab published on
127.0.0.1 only, token auth left on, the golab kernel installed in the image,
the host's notebooks/ mounted where the lab serves from, the base image pinned
by a tag, an unprivileged user, a healthcheck. When a `docker compose` (or
`docker-compose`) client is present, `config -q` validates the compose file
too; it needs no engine.
"""

from __future__ import annotations

import json
import pathlib
import re
import shlex
import shutil
import subprocess

import pytest
import yaml  # PyYAML: pinned in requirements.txt (a Jupyter dependency)

REPO = pathlib.Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"
COMPOSE = REPO / "docker-compose.yml"
DOCKERIGNORE = REPO / ".dockerignore"

ROOT_USERS = {"root", "0", "0:0", "root:root"}


# --- a small Dockerfile reader ------------------------------------------------


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
            continue
        line = pending + line
        pending = ""
        word, _, rest = line.partition(" ")
        out.append((word.upper(), rest.strip()))
    if pending:
        word, _, rest = pending.strip().partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def stages(text: str) -> list[list[tuple[str, str]]]:
    """The build stages, each starting with its FROM."""
    result: list[list[tuple[str, str]]] = []
    for ins in instructions(text):
        if ins[0] == "FROM":
            result.append([])
        if result:
            result[-1].append(ins)
    return result


def from_image(args: str) -> tuple[str, str | None]:
    """The image of a FROM (flags and AS name dropped) and its stage name."""
    words = [w for w in args.split() if not w.startswith("--")]
    name = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
    return words[0], name


def image_tag(image: str) -> str | None:
    """The tag of an image reference, None when it has none (digests count as pinned)."""
    if "@sha256:" in image:
        return image.split("@", 1)[1]
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


# --- fixtures ------------------------------------------------------------------


@pytest.fixture(scope="module")
def dockerfile() -> str:
    assert DOCKERFILE.is_file(), "Dockerfile missing at the top level"
    return DOCKERFILE.read_text()


@pytest.fixture(scope="module")
def final_stage(dockerfile) -> list[tuple[str, str]]:
    st = stages(dockerfile)
    assert st, "Dockerfile has no FROM"
    return st[-1]


@pytest.fixture(scope="module")
def compose() -> dict:
    assert COMPOSE.is_file(), "docker-compose.yml missing at the top level"
    doc = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(doc, dict) and isinstance(doc.get("services"), dict), "compose file has no services"
    return doc


@pytest.fixture(scope="module")
def lab(compose) -> dict:
    assert "lab" in compose["services"], "compose file has no service named lab"
    return compose["services"]["lab"]


# --- the Dockerfile ------------------------------------------------------------------


def test_reader_handles_continuations_and_stages():
    text = "FROM a:1 AS one\nRUN x \\\n  # note\n  && y\nFROM b:2\nUSER 1000\n"
    assert stages(text) == [[("FROM", "a:1 AS one"), ("RUN", "x && y")], [("FROM", "b:2"), ("USER", "1000")]]
    assert image_tag("quay.io/jupyter/base-notebook:2026-08-24") == "2026-08-24"
    assert image_tag("localhost:5000/img") is None
    assert from_image("--platform=$X golang:1.26-bookworm AS build") == ("golang:1.26-bookworm", "build")


def test_every_base_image_is_pinned_by_tag(dockerfile):
    stage_names = set()
    for st in stages(dockerfile):
        image, name = from_image(st[0][1])
        if image in stage_names:
            continue
        tag = image_tag(image)
        assert tag, f"FROM {image}: no tag, so it means latest"
        assert tag != "latest", f"FROM {image}: pin a tag, not latest"
        if name:
            stage_names.add(name)


def test_final_stage_is_an_official_jupyter_image_with_a_fixed_tag(final_stage):
    image, _ = from_image(final_stage[0][1])
    assert re.fullmatch(r"quay\.io/jupyter/(base|minimal)-notebook", image.split(":")[0]), image
    tag = image_tag(image)
    # Date tags (2026-08-24) and commit tags are fixed; python-3.x or lab-4.x move.
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}|[0-9a-f]{12}|sha256:[0-9a-f]{64}", tag or ""), (
        f"{image}: pin a date or commit tag, not a moving one"
    )


def test_build_stage_builds_golab_with_cgo_and_libzmq(dockerfile):
    st = stages(dockerfile)
    assert len(st) >= 2, "want a multi-stage build: Go build stage, then the Jupyter image"
    build = st[0]
    image, name = from_image(build[0][1])
    assert image.startswith("golang:1.26"), image
    assert name, "name the build stage (FROM ... AS build) for COPY --from"
    runs = " ".join(a for i, a in build if i == "RUN")
    assert "libzmq3-dev" in runs, "the build stage needs libzmq3-dev for pebbe/zmq4 (cgo)"
    assert "go build" in runs and "CGO_ENABLED=0" not in runs


def test_final_stage_installs_libzmq_binary_and_kernel(dockerfile, final_stage):
    build_name = from_image(stages(dockerfile)[0][0][1])[1]
    runs = [a for i, a in final_stage if i == "RUN"]
    assert any("libzmq5" in r for r in runs), "the final stage needs the libzmq5 runtime"
    copies = [a for i, a in final_stage if i == "COPY"]
    assert any(f"--from={build_name}" in c and "golab" in c for c in copies), "copy the golab binary from the build stage"
    install = [r for r in runs if re.search(r"\bgolab install\b", r)]
    assert install, "a RUN golab install must put the kernelspec into the image"
    assert "--prefix" in install[0] or "--user" in install[0], install[0]


def test_kernel_is_installed_as_the_unprivileged_user(final_stage):
    user = None
    for ins, args in final_stage:
        if ins == "USER":
            user = args
        if ins == "RUN" and re.search(r"\bgolab install\b", args):
            assert user is not None and user not in ROOT_USERS, "install the kernel as jovyan, not root"


def test_final_user_is_unprivileged(final_stage):
    users = [a for i, a in final_stage if i == "USER"]
    assert users, "the final stage sets no USER; the base image's would be kept only implicitly"
    assert users[-1] not in ROOT_USERS, f"the image ends as USER {users[-1]}"
    assert users[-1] in {"${NB_UID}", "$NB_UID", "${NB_USER}", "$NB_USER", "jovyan", "1000"}, users[-1]


def test_dockerfile_healthcheck_hits_the_api(final_stage):
    checks = [a for i, a in final_stage if i == "HEALTHCHECK"]
    assert checks and not checks[-1].upper().startswith("NONE"), "no HEALTHCHECK in the final stage"
    assert "8888/api" in checks[-1], checks[-1]


def test_no_empty_token_or_password(dockerfile):
    assert_no_open_server(dockerfile, "Dockerfile")
    assert_no_open_server(COMPOSE.read_text(), "docker-compose.yml")


def assert_no_open_server(text: str, where: str):
    # --ServerApp.token='' / --IdentityProvider.token= / NotebookApp.token="" ...
    empty = re.compile(r"""\.(token|password)\s*=\s*(''|""|(?=[\s"',\]]|$))""", re.IGNORECASE | re.MULTILINE)
    m = empty.search(text)
    assert not m, f"{where} turns auth off: {m.group(0)!r}"
    for pattern in (r"JUPYTER_TOKEN\s*[=:]\s*(''|\"\"|$)", r"disable_check_xsrf\s*=\s*True", r"--no-auth\b"):
        m = re.search(pattern, text, re.IGNORECASE | re.MULTILINE)
        assert not m, f"{where} weakens auth: {m.group(0)!r}"


def test_lab_serves_the_mounted_notebooks(final_stage, lab):
    cmd = " ".join(a for i, a in final_stage if i in ("CMD", "ENTRYPOINT"))
    m = re.search(r"--(?:ServerApp|NotebookApp)\.(?:root|notebook)_dir=([^\s\"',\]]+)", cmd)
    assert m, "CMD should open JupyterLab on the notebooks folder"
    root = m.group(1)
    targets = [mount_target(v) for v in lab.get("volumes", [])]
    assert root in targets, f"the lab serves {root} but the compose file mounts {targets}"


# --- docker-compose.yml --------------------------------------------------------------


def mount_source(v) -> str:
    return v["source"] if isinstance(v, dict) else v.split(":")[0]


def mount_target(v) -> str:
    return v["target"] if isinstance(v, dict) else v.split(":")[1]


def test_compose_builds_this_repo(lab):
    build = lab.get("build")
    context = build.get("context", ".") if isinstance(build, dict) else build
    assert context is not None, "the lab service must build the image from this repository"
    assert (REPO / context / "Dockerfile").is_file()


def test_port_published_on_loopback_only(lab):
    ports = lab.get("ports")
    assert ports, "the lab service publishes no port"
    for p in ports:
        if isinstance(p, dict):
            assert p.get("host_ip") == "127.0.0.1", f"port {p} is not bound to 127.0.0.1"
            assert str(p.get("target")) == "8888"
        else:
            assert str(p).startswith("127.0.0.1:"), f"port {p!r} would listen on every interface"
            assert str(p).endswith(":8888"), p
            host_port = str(p)[len("127.0.0.1:"):-len(":8888")]
            assert re.fullmatch(r"\d+|\$\{PORT:-8888\}", host_port), host_port


def test_notebooks_mounted_from_the_host(lab):
    volumes = lab.get("volumes") or []
    sources = {mount_source(v): mount_target(v) for v in volumes}
    assert "./notebooks" in sources, f"mount ./notebooks so edits persist on the host, got {volumes}"
    assert sources["./notebooks"].startswith("/home/jovyan/"), sources["./notebooks"]
    assert (REPO / "notebooks").is_dir()
    for v in volumes:
        if isinstance(v, str) and v.count(":") >= 2:
            assert not v.endswith(":ro"), "the notebooks must be writable"


def test_compose_user_and_healthcheck(lab):
    user = str(lab.get("user", ""))
    assert user.split(":")[0] not in ROOT_USERS, f"the lab service runs as {user}"
    hc = lab.get("healthcheck")
    assert hc and not hc.get("disable"), "the lab service has no healthcheck"
    assert "8888/api" in json.dumps(hc["test"])
    env = lab.get("environment") or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) if "=" in e else (e, None) for e in env)
    assert env.get("JUPYTER_TOKEN", "unset") != "", "an empty JUPYTER_TOKEN turns auth off"


def test_dockerignore_keeps_the_context_small_and_complete(dockerfile):
    ignored = {line.strip().rstrip("/") for line in DOCKERIGNORE.read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    for must in (".venv", "bin", ".git", "node_modules"):
        assert must in ignored, f".dockerignore should exclude {must}"
    # What the Dockerfile copies from the context must not be ignored.
    for ins, args in instructions(dockerfile):
        if ins != "COPY" or "--from=" in args:
            continue
        words = [w for w in shlex.split(args) if not w.startswith("--")]
        for src in words[:-1]:
            if src == ".":
                continue
            assert (REPO / src).exists(), f"COPY {src}: not in the repository"
            assert src.rstrip("/") not in ignored, f"COPY {src} but .dockerignore excludes it"


def compose_client() -> list[str] | None:
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True)
        if probe.returncode == 0:
            return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_docker_compose_config_validates():
    client = compose_client()
    if client is None:
        pytest.skip("no docker compose client here; the static checks above stand in for it")
    r = subprocess.run([*client, "-f", str(COMPOSE), "config", "-q"], cwd=REPO,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"docker compose config rejects the file:\n{r.stderr}"
