"""The S3 conformance pytest plugin: hooks and fixtures only.

Loaded by the ``pytest11`` entry point ``cargobay_s3`` (or ``-p cargobay.testing.pytest_plugin``),
so it is active in every pytest run of an environment where cargobay is installed. It therefore
imports nothing heavy at import time (the model is hypothesis's ``_hypothesis_pytestplugin``):
boto3, moto and the cargobay server are imported inside the fixtures that need them, and only
tests that ask for ``s3_endpoint`` are parametrised.

Options: ``--s3-endpoint`` (repeatable; ``cargobay``, the default, is an in-process server on
127.0.0.1, a free port and a temp directory; ``moto`` is moto's threaded server; anything else is
a URL), ``--s3-access-key``/``--s3-secret-key``, ``--s3-region``, ``--s3-tls-verify``,
``--s3-lacks CAPABILITY`` (a declared gap of a URL endpoint; the summary names it),
``--s3-data-dir`` (a URL endpoint's data directory, for the traversal family), ``--s3-timeout``
(seconds per test, through pytest-timeout) and ``--s3-vhost-domain``.

What the hooks do, in order: apply the endpoint table (:mod:`cargobay.testing.s3_endpoints`:
skip what a profile lacks, xfail(strict) what it declares divergent, fail the run on a divergence
pattern that matches no test); run the basic tests of each endpoint first; report a test whose
basic prerequisite failed as *blocked by* it; notice an endpoint that stopped answering, say so
once, and report the tests after it as blocked. The running endpoint is
:class:`cargobay.testing.s3_target.S3Target`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cargobay.testing.s3_endpoints import (
    ALL_CAPABILITIES,
    BASIC_NAMES,
    PROFILES,
    EndpointProfile,
    EndpointSpec,
    parse_endpoints,
    prerequisites,
)
from cargobay.testing.s3_target import S3Target

# Kept importable from here: tests written against the plugin's old single-module layout.
__all__ = ["ALL_CAPABILITIES", "PROFILES", "EndpointProfile", "EndpointSpec", "S3Target"]


def _family_modules() -> frozenset[str]:
    """Every module of the suite (a run that collects them all can judge every divergence pattern)."""
    from cargobay.testing.conformance_suite import FAMILIES

    return frozenset(FAMILIES)


@dataclass
class _EndpointState:
    """What the hooks learn about one endpoint while the run goes on."""

    failed_basics: dict[str, str] = field(default_factory=dict)  # basic test -> its one-line message
    down_since: str | None = None
    previous: str = "(none)"  # the test that ran before the current one (a crash may be its doing)
    target: S3Target | None = None
    blocked: int = 0


_STATE = pytest.StashKey[dict[str, _EndpointState]]()


def _state(config: pytest.Config, spec: EndpointSpec) -> _EndpointState:
    return config.stash.setdefault(_STATE, {}).setdefault(spec.id, _EndpointState())


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cargobay-s3", "S3 conformance (cargobay)")
    group.addoption(
        "--s3-endpoint",
        action="append",
        default=[],
        metavar="URL",
        help="endpoint to test (repeatable): 'cargobay' (default, in-process), 'moto', or a URL",
    )
    group.addoption("--s3-access-key", default=None, help="access key for URL endpoints (default: $AWS_ACCESS_KEY_ID)")
    group.addoption(
        "--s3-secret-key", default=None, help="secret key for URL endpoints (default: $AWS_SECRET_ACCESS_KEY)"
    )
    group.addoption(
        "--s3-alt-access-key",
        default=None,
        help="a second user's access key for URL endpoints (multi-user tests; without it they are skipped)",
    )
    group.addoption("--s3-alt-secret-key", default=None, help="the second user's secret key")
    group.addoption("--s3-region", default="us-east-1", help="region for URL endpoints (default us-east-1)")
    group.addoption(
        "--s3-tls-verify", default="true", help="for https URL endpoints: 'true', 'false', or a CA bundle path"
    )
    group.addoption(
        "--s3-clients",
        action="store_true",
        default=False,
        help="also run the real-client tests (marker 's3_clients'; also CARGOBAY_S3_CLIENTS=1 or -m s3_clients)",
    )
    group.addoption(
        "--s3-lacks",
        action="append",
        default=[],
        metavar="CAPABILITY",
        help="declare a capability a third-party URL endpoint lacks (skipped, named in the summary)",
    )
    group.addoption(
        "--s3-data-dir",
        default=None,
        metavar="DIR",
        help="the URL endpoint's data directory: enables the traversal family (sentinels around it)",
    )
    group.addoption(
        "--s3-timeout",
        default=120.0,
        type=float,
        metavar="SECONDS",
        help="per-test timeout of conformance tests (pytest-timeout; 0 = none)",
    )
    group.addoption(
        "--s3-vhost-domain",
        default="localhost",
        metavar="DOMAIN",
        help="domain for virtual-hosted-style tests: <bucket>.DOMAIN must reach the endpoint",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "s3_requires(*capabilities): the S3 capabilities a conformance test needs")
    config.addinivalue_line("markers", "s3_family(name): the operation family a conformance test belongs to")
    config.addinivalue_line("markers", "s3_clients: conformance tests driving real third-party S3 clients (opt-in)")
    config.addinivalue_line("markers", "s3_differential: stateful differential test (target vs references)")
    config.addinivalue_line("markers", "aws_doc(url): the AWS documentation page a conformance test checks")
    if not config.pluginmanager.hasplugin("timeout"):
        config.addinivalue_line("markers", "timeout(seconds): per-test timeout (pytest-timeout, not installed)")


def endpoint_specs(config: pytest.Config) -> list[EndpointSpec]:
    try:
        return parse_endpoints(
            config.getoption("s3_endpoint"),
            frozenset(config.getoption("s3_lacks") or ()),
            config.getoption("s3_data_dir"),
            second_user=bool(config.getoption("s3_alt_access_key")),
        )
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "s3_endpoint" in metafunc.fixturenames:
        specs = endpoint_specs(metafunc.config)
        metafunc.parametrize("s3_endpoint", specs, indirect=True, scope="session", ids=[s.id for s in specs])


def _spec_of(item: pytest.Item) -> EndpointSpec | None:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    spec = callspec.params.get("s3_endpoint")
    return spec if isinstance(spec, EndpointSpec) else None


def required_capabilities(item: pytest.Item) -> set[str]:
    needed: set[str] = set()
    for mark in item.iter_markers("s3_requires"):
        needed.update(mark.args)
    return needed


def _module_of(item: pytest.Item) -> str:
    return Path(str(item.fspath)).stem


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Apply the table, before ``-k``/``-m`` deselect anything (so stale divergences are seen).

    Real-client tests are opt-in: skipped, with the way to run them as the reason, unless
    ``--s3-clients``, ``CARGOBAY_S3_CLIENTS=1`` (CI sets it) or a ``-m`` expression is given."""
    _check_divergences_match(items)
    wanted = config.getoption("s3_clients") or os.environ.get("CARGOBAY_S3_CLIENTS") == "1"
    if not wanted and not config.getoption("markexpr"):
        # Skipped with the reason, not deselected: every run lists them (-ra) and how to run them.
        opt_in = pytest.mark.skip(
            reason="real S3 client test, opt-in: run with --s3-clients or CARGOBAY_S3_CLIENTS=1 (.ci/run sets it)"
        )
        for item in items:
            if item.get_closest_marker("s3_clients") is not None:
                item.add_marker(opt_in)
    timeout = float(config.getoption("s3_timeout") or 0)
    has_timeout = config.pluginmanager.hasplugin("timeout")
    for item in items:
        spec = _spec_of(item)
        if spec is None:
            continue
        if has_timeout and timeout > 0 and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(timeout))
        needed = required_capabilities(item)
        unknown = needed - ALL_CAPABILITIES
        if unknown:
            raise pytest.UsageError(f"{item.nodeid}: unknown capability {sorted(unknown)}")
        missing = sorted((needed - spec.profile.capabilities) | (needed & spec.lacks))
        if missing:
            item.add_marker(
                pytest.mark.skip(
                    reason=f"capability: {spec.id} lacks {', '.join(missing)} (declared in the endpoint table)"
                )
            )
            continue
        reason = spec.profile.divergence_for(item.name)
        if reason is not None:
            item.add_marker(pytest.mark.xfail(strict=True, reason=f"divergence: {spec.id}: {reason}"))
    _basics_first(items)


def _check_divergences_match(items: list[pytest.Item]) -> None:
    """A divergence pattern that matches no test of a full run is stale: the run fails."""
    by_kind: dict[str, list[str]] = {}
    modules: dict[str, set[str]] = {}
    for item in items:
        spec = _spec_of(item)
        if spec is not None:
            by_kind.setdefault(spec.kind, []).append(item.name)
            modules.setdefault(spec.kind, set()).add(_module_of(item))
    for kind, names in by_kind.items():
        if not _family_modules() <= modules[kind]:
            continue  # a partial run: patterns of the families not collected cannot be judged
        import fnmatch

        stale = [p for p in PROFILES[kind].divergences if not any(fnmatch.fnmatchcase(n, p) for n in names)]
        if stale:
            raise pytest.UsageError(f"{kind} divergence patterns match no test (remove or fix them): {stale}")


def _basics_first(items: list[pytest.Item]) -> None:
    """Per endpoint, the basic tests run first (their outcome decides what is blocked)."""
    order: dict[str, int] = {}
    keyed = []
    for index, item in enumerate(items):
        spec = _spec_of(item)
        if spec is None:
            keyed.append(((-1, 0, index), item))
            continue
        group = order.setdefault(spec.id, len(order))
        keyed.append(((group, 0 if item.name.split("[", 1)[0] in BASIC_NAMES else 1, index), item))
    items[:] = [item for _, item in sorted(keyed, key=lambda pair: pair[0])]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Report a test as blocked when the endpoint is down or a prerequisite basic test failed."""
    spec = _spec_of(item)
    if spec is None or item.get_closest_marker("skip") is not None:
        return
    state = _state(item.config, spec)
    if state.down_since is not None:
        state.blocked += 1
        pytest.skip(f"blocked: {spec.id} stopped answering during {state.down_since}")
    fixtures = set(getattr(item, "fixturenames", ()))
    for basic in prerequisites(item.name, _module_of(item), required_capabilities(item), fixtures):
        if basic in state.failed_basics:
            state.blocked += 1
            pytest.skip(f"blocked: by {basic} ({state.failed_basics[basic]})")


_CONNECTION_ERRORS = (
    "EndpointConnectionError",
    "ConnectionClosedError",
    "ConnectionRefusedError",
    "RemoteDisconnected",
    "ConnectionResetError",
    "ProtocolError",
    "BrokenPipeError",
    "ReadTimeoutError",
    "ConnectTimeoutError",
)


@pytest.hookimpl(hookwrapper=True, trylast=True)  # innermost: other reporters see the rewritten report
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    spec = _spec_of(item)
    if spec is None:
        return
    mark = item.get_closest_marker("aws_doc")
    if mark is not None and mark.args and not any(k == "aws_doc" for k, _ in report.user_properties):
        # Travels with the report (also from an xdist worker) to the report's tally.
        report.user_properties.append(("aws_doc", str(mark.args[0])))
    state = _state(item.config, spec)
    if report.failed and not hasattr(report, "wasxfail"):
        _judge_failure(item, call, report, spec, state)
    if report.when == "call":
        state.previous = item.name


def _judge_failure(
    item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport, spec: EndpointSpec, state: _EndpointState
) -> None:
    """Remember a failed basic test; tell a crashed endpoint from a wrong answer (once)."""
    base = item.name.split("[", 1)[0]
    if base in BASIC_NAMES and report.when in ("setup", "call"):
        message = call.excinfo.exconly().splitlines()[0] if call.excinfo else "failed"
        state.failed_basics[base] = message[:160]
    if call.excinfo is None or state.down_since is not None or state.target is None:
        return
    names = {cls.__name__ for cls in call.excinfo.type.__mro__}
    text = call.excinfo.exconly()
    if (names & set(_CONNECTION_ERRORS) or any(n in text for n in _CONNECTION_ERRORS)) and not state.target.is_alive():
        state.down_since = item.name
        state.target.down_since = item.name
        report.longrepr = (
            f"endpoint down: {spec.id} stopped answering (connection refused) during this test "
            f"(previous test: {state.previous}); the tests after it are reported as blocked"
        )


@pytest.fixture(scope="session")
def s3_endpoint(request: pytest.FixtureRequest) -> Iterator[S3Target]:
    """The endpoint under test (parametrised over every ``--s3-endpoint``), started if needed."""
    spec: EndpointSpec = request.param
    from cargobay.testing.servers import Endpoint, InProcessServer, MotoServer

    server: Any
    outer: str | None = None
    if spec.kind == "cargobay":
        # The data directory sits alone in a private directory: the traversal family plants its
        # sentinels beside it. Virtual-hosted style needs a domain: <bucket>.localhost is 127.0.0.1.
        import tempfile

        from cargobay.testing.servers import new_credentials

        outer = tempfile.mkdtemp(prefix="cargobay-conformance-")
        os.mkdir(os.path.join(outer, "data"))
        # Two users (the second for multi-user tests).
        (main_key, main_secret), (alt_key, alt_secret) = new_credentials(), new_credentials()
        server = InProcessServer(
            root=os.path.join(outer, "data"),
            domain="localhost",
            credentials={main_key: main_secret, alt_key: alt_secret},
            users={main_key: "conformance", alt_key: "conformance-alt"},
            default_owner="conformance",
            log_delivery_interval=1.0,  # the server_logs family waits for deliveries
        ).start()
        target = S3Target(
            spec,
            server.endpoint,
            server=server,
            data_dir=server.root,
            alt=Endpoint(server.endpoint.url, alt_key, alt_secret, server.endpoint.region),
        )
    elif spec.kind == "moto":
        server = MotoServer().start()
        # moto keeps one account per access key id (12-digit keys name the account).
        target = S3Target(
            spec,
            server.endpoint,
            server=server,
            alt=Endpoint(server.endpoint.url, "222222222222", "testing", server.endpoint.region),
        )
    else:
        config = request.config
        access = config.getoption("s3_access_key") or os.environ.get("AWS_ACCESS_KEY_ID", "")
        secret = config.getoption("s3_secret_key") or os.environ.get("AWS_SECRET_ACCESS_KEY", "")
        if not access or not secret:
            raise pytest.UsageError(f"{spec.url}: give --s3-access-key/--s3-secret-key (or AWS_* variables)")
        assert spec.url is not None
        server = None
        alt_key = config.getoption("s3_alt_access_key")
        alt = (
            Endpoint(spec.url, alt_key, config.getoption("s3_alt_secret_key") or "", config.getoption("s3_region"))
            if alt_key
            else None
        )
        target = S3Target(
            spec,
            Endpoint(spec.url, access, secret, config.getoption("s3_region")),
            tls_verify=_tls_verify(config),
            data_dir=spec.data_dir,
            alt=alt,
        )
    _state(request.config, spec).target = target
    try:
        yield target
        target.nuke_run_buckets()
    finally:
        if server is not None:
            server.stop()
        if outer is not None:
            import shutil

            shutil.rmtree(outer, ignore_errors=True)


def _tls_verify(config: pytest.Config) -> bool | str:
    value = str(config.getoption("s3_tls_verify"))
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    return value


@pytest.fixture
def s3(s3_endpoint: S3Target) -> Any:
    """The shared boto3 client of the endpoint under test."""
    return s3_endpoint.client()


@pytest.fixture
def bucket(s3_endpoint: S3Target) -> Iterator[str]:
    """A fresh, empty, run-unique bucket, removed with its contents after the test."""
    name = s3_endpoint.new_bucket_name()
    s3_endpoint.client().create_bucket(Bucket=name)
    yield name
    s3_endpoint.empty_and_delete(name)


@pytest.fixture
def new_bucket_name(s3_endpoint: S3Target) -> Iterator[Callable[[str], str]]:
    """Run-unique names for buckets a test creates itself; whatever exists at the end is removed."""
    made: list[str] = []

    def make(hint: str = "") -> str:
        made.append(s3_endpoint.new_bucket_name(hint))
        return made[-1]

    yield make
    for name in made:
        s3_endpoint.empty_and_delete(name)


@pytest.fixture(scope="session")
def s3_vhost_domain(request: pytest.FixtureRequest) -> str:
    """The domain under which ``<bucket>.DOMAIN`` reaches the endpoint (virtual-hosted style)."""
    return str(request.config.getoption("s3_vhost_domain"))


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Name every declared gap, blocked test, crash and cleanup problem, so a run never hides one."""
    try:
        specs = endpoint_specs(config)
    except pytest.UsageError:
        return
    states = config.stash.get(_STATE, {})
    if not states:
        return
    lines = []
    for spec in specs:
        gaps = sorted((ALL_CAPABILITIES - spec.profile.capabilities) | spec.lacks)
        if gaps:
            lines.append(f"{spec.id}: declared gaps (skipped): {', '.join(gaps)}")
        if spec.profile.divergences:
            lines.append(f"{spec.id}: declared divergences (xfail strict): {len(spec.profile.divergences)} patterns")
        state = states.get(spec.id)
        if state is None:
            continue
        if state.down_since:
            lines.append(f"{spec.id}: ENDPOINT DOWN: stopped answering during {state.down_since}")
        for basic, message in sorted(state.failed_basics.items()):
            lines.append(f"{spec.id}: basic test failed: {basic}: {message}")
        if state.blocked:
            lines.append(f"{spec.id}: {state.blocked} tests blocked by the failures above (not counted as failed)")
        problems = state.target.cleanup_problems if state.target else []
        for problem in problems[:10]:
            lines.append(f"{spec.id}: cleanup: {problem}")
        if len(problems) > 10:
            lines.append(f"{spec.id}: cleanup: ... {len(problems) - 10} more")
    if lines:
        terminalreporter.write_sep("-", "S3 endpoint table")
        for line in lines:
            terminalreporter.write_line(line)
