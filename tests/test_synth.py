"""cdkfix.synth: many CDK apps synthesized by one reused worker (real aws-cdk-lib).

Starting a worker costs several seconds (jsii kernel + aws-cdk-lib), so every
app below runs in two synth_apps calls made once per module, concurrently:
one with deprecated="warn", one with deprecated="fail" that also has an app
that kills the worker and one that hangs past the timeout.
"""

from __future__ import annotations

import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from cdkfix import synth as synth_mod
from cdkfix.synth import SynthResult, synth_apps

pytestmark = pytest.mark.synth

HEAD = "import aws_cdk as cdk\nfrom aws_cdk import aws_s3 as s3\napp = cdk.App()\n"

TAP_APP = """\
import aws_cdk as cdk
from lib.tap_stack import TapStack
app = cdk.App()
TapStack(app, "Tap")
app.synth()
"""

DEPRECATED = (
    "import aws_cdk as cdk\nfrom aws_cdk import aws_ecr as ecr\napp = cdk.App()\n"
    'stack = cdk.Stack(app, "Dep")\n'
    'ecr.Repository(stack, "R", auto_delete_images=True, removal_policy=cdk.RemovalPolicy.DESTROY)\n'
    "app.synth()\n"
)

# name -> {relative path: source}; "app.py" is the app.
APPS: dict[str, dict[str, str]] = {
    "good": {
        "app.py": HEAD
        + 'print("hello from the good app")\n'
        + 's3.Bucket(cdk.Stack(app, "One"), "B")\n'
        + 's3.Bucket(cdk.Stack(app, "Two"), "B")\n'
        + "app.synth()\n"
    },
    "unknown_kwarg": {
        "app.py": HEAD + 's3.Bucket(cdk.Stack(app, "S"), "B", versioning=True)\napp.synth()\n'
    },
    "jsii_error": {
        "app.py": "import aws_cdk as cdk\nfrom aws_cdk import aws_secretsmanager as sm\n"
        'app = cdk.App()\nsm.Secret(cdk.Stack(app, "S"), "Secret").add_rotation_schedule("R")\n'
        "app.synth()\n"
    },
    "tap_a": {
        "app.py": TAP_APP,
        "lib/__init__.py": "",
        "lib/tap_stack.py": textwrap.dedent(
            """\
            import aws_cdk as cdk
            from aws_cdk import aws_s3 as s3

            class TapStack(cdk.Stack):
                def __init__(self, scope, construct_id):
                    super().__init__(scope, construct_id)
                    s3.Bucket(self, "FromAppA")
            """
        ),
    },
    "tap_b": {  # same package name, no lib/__init__.py (namespace package), other content
        "app.py": TAP_APP,
        "lib/tap_stack.py": textwrap.dedent(
            """\
            import aws_cdk as cdk

            class TapStack(cdk.Stack):
                def __init__(self, scope, construct_id):
                    super().__init__(scope, construct_id)
                    raise ValueError("this is app B's own tap_stack")
            """
        ),
    },
    "no_synth": {"app.py": HEAD + 's3.Bucket(cdk.Stack(app, "S"), "B")\n'},
    "deprecated": {"app.py": DEPRECATED},
    "deprecated_again": {"app.py": DEPRECATED},  # jsii warns once per process: must fail too
    "relative_asset": {  # resolved by the Node kernel against the app's directory
        "app.py": "import aws_cdk as cdk\nfrom aws_cdk import aws_lambda as lambda_\n"
        'app = cdk.App()\nlambda_.Function(cdk.Stack(app, "S"), "F", runtime=lambda_.Runtime.PYTHON_3_12,\n'
        '    handler="index.handler", code=lambda_.Code.from_asset("handler"))\napp.synth()\n',
        "handler/index.py": "def handler(event, context):\n    return None\n",
    },
    "cwd_and_env": {  # relative file read from the app's dir; env change must not leak
        "app.py": HEAD
        + "import os\n"
        + 'bucket_name = open("name.txt").read().strip()\n'
        + 'os.environ["CDKFIX_TEST_LEAK"] = "1"\n'
        + 's3.Bucket(cdk.Stack(app, "S"), "B", bucket_name=bucket_name)\napp.synth()\n',
        "name.txt": "cdkfix-test-bucket\n",
    },
    "env_clean": {
        "app.py": HEAD
        + "import os\n"
        + 'assert "CDKFIX_TEST_LEAK" not in os.environ, "environment leaked from another app"\n'
        + 'assert os.environ["CDK_OUTDIR"], "CDK_OUTDIR is set"\n'
        + 's3.Bucket(cdk.Stack(app, "S"), "B")\napp.synth()\n'
    },
    "construct_validation": {  # the error's heading line gets the line that says what is wrong
        "app.py": "import aws_cdk as cdk, constructs, jsii\n"
        "@jsii.implements(constructs.IValidation)\n"
        "class Check:\n"
        "    def validate(self):\n"
        '        return ["the widget is not wired"]\n'
        'app = cdk.App()\nstack = cdk.Stack(app, "S")\n'
        'cdk.CfnResource(stack, "R", type="AWS::CloudFormation::WaitConditionHandle")\n'
        "stack.node.add_validation(Check())\napp.synth()\n"
    },
    "cdk_json_flags": {  # cdk.json context reaches the kernel; the report's first error is named
        "app.py": "import aws_cdk as cdk\napp = cdk.App()\n"
        'cdk.CfnResource(cdk.Stack(app, "S"), "R", type="AWS::SQS::Queue", properties={"Bogus": 1})\n'
        "app.synth()\n",
        "cdk.json": '{"app": "python3 app.py", '
        '"context": {"@aws-cdk/core:validateAgainstDefaultRules": true}}\n',
    },
    "exit_0_after_synth": {
        "app.py": HEAD + 's3.Bucket(cdk.Stack(app, "S"), "B")\napp.synth()\nimport sys\nsys.exit(0)\n'
    },
    "exit_2": {"app.py": "import sys\nsys.exit(2)\n"},
    "keyboard_interrupt": {"app.py": "raise KeyboardInterrupt\n"},
    "crash": {"app.py": 'import os\nprint("about to crash")\nos._exit(7)\n'},
    "hang": {"app.py": "import time\ntime.sleep(3600)\n"},
}

WARN_RUN = [
    "good",
    "unknown_kwarg",
    "jsii_error",
    "tap_a",
    "tap_b",
    "tap_a",  # once more, after B: A's own module again
    "no_synth",
    "deprecated",
    "relative_asset",
    "cwd_and_env",
    "env_clean",
    "construct_validation",
    "cdk_json_flags",
    "exit_2",
    "keyboard_interrupt",
    "exit_0_after_synth",
]
# "crash" kills the worker: the next "good" runs in a new one; "hang" is last so
# that its timeout costs no further worker start.
FAIL_RUN = ["deprecated", "deprecated_again", "good", "crash", "good", "hang"]
HANG_TIMEOUT = 12.0


@pytest.fixture(scope="module")
def apps(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("apps")
    paths = {}
    for name, files in APPS.items():
        for rel, source in files.items():
            path = root / name / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(source, encoding="utf-8")
        paths[name] = root / name / "app.py"
    return paths


@pytest.fixture(scope="module")
def runs(apps) -> dict[str, list[SynthResult]]:
    with ThreadPoolExecutor(2) as pool:
        warn = pool.submit(synth_apps, [apps[n] for n in WARN_RUN], deprecated="warn")
        fail = pool.submit(
            synth_apps, [apps[n] for n in FAIL_RUN], deprecated="fail", timeout=HANG_TIMEOUT
        )
        return {"warn": warn.result(), "fail": fail.result()}


def _result(runs, mode: str, name: str, occurrence: int = 0) -> SynthResult:
    order = WARN_RUN if mode == "warn" else FAIL_RUN
    positions = [i for i, n in enumerate(order) if n == name]
    return runs[mode][positions[occurrence]]


def test_one_result_per_app_in_order(runs, apps):
    assert [r.app for r in runs["warn"]] == [apps[n] for n in WARN_RUN]
    assert [r.app for r in runs["fail"]] == [apps[n] for n in FAIL_RUN]


def test_good_app(runs):
    r = _result(runs, "warn", "good")
    assert r.ok, r.detail
    assert r.error is None and r.error_type is None
    assert r.templates == 2
    assert r.seconds > 0
    assert "hello from the good app" in r.output


def test_unknown_keyword_is_a_type_error(runs):
    r = _result(runs, "warn", "unknown_kwarg")
    assert not r.ok
    assert r.error_type == "TypeError"
    assert r.error.startswith("TypeError: ") and "versioning" in r.error
    assert "\n" not in r.error
    assert "Traceback" in r.detail and "app.py" in r.detail


def test_jsii_runtime_error_message(runs):
    r = _result(runs, "warn", "jsii_error")
    assert not r.ok
    assert "rotationLambda" in r.error and "hostedRotation" in r.error
    assert "must be specified" in r.error
    assert "\n" not in r.error
    assert r.templates == 0


def test_apps_with_the_same_package_name_see_their_own_modules(runs):
    first, again = _result(runs, "warn", "tap_a", 0), _result(runs, "warn", "tap_a", 1)
    b = _result(runs, "warn", "tap_b")
    assert first.ok and again.ok, (first.error, again.error)
    assert first.templates == again.templates == 1
    assert not b.ok
    assert b.error == "ValueError: this is app B's own tap_stack"


def test_app_that_never_synthesizes_fails(runs):
    r = _result(runs, "warn", "no_synth")
    assert not r.ok
    assert r.error == "no synth: the app wrote no cloud assembly"
    assert r.templates == 0


def test_deprecated_api_passes_with_warn(runs):
    r = _result(runs, "warn", "deprecated")
    assert r.ok, r.error
    assert r.templates == 1


def test_deprecated_api_fails_with_fail_every_time(runs):
    for name in ("deprecated", "deprecated_again"):
        r = _result(runs, "fail", name)
        assert not r.ok, name
        assert "deprecated" in r.error and "autoDeleteImages" in r.error, r.error
    assert _result(runs, "fail", "good").ok


def test_kernel_resolves_relative_paths_against_the_app_dir(runs):
    r = _result(runs, "warn", "relative_asset")
    assert r.ok, r.error


def test_cwd_is_the_app_dir_and_env_is_restored(runs):
    assert _result(runs, "warn", "cwd_and_env").ok, _result(runs, "warn", "cwd_and_env").error
    r = _result(runs, "warn", "env_clean")
    assert r.ok, r.error


def test_validation_errors_say_what_is_wrong(runs):
    r = _result(runs, "warn", "construct_validation")
    assert not r.ok
    assert r.error.startswith("RuntimeError: ")
    assert "[S] the widget is not wired" in r.error
    r = _result(runs, "warn", "cdk_json_flags")
    assert not r.ok
    assert "S/R: Bogus" in r.error, r.error
    assert "Validation report" in r.detail


def test_system_exit(runs):
    assert _result(runs, "warn", "exit_0_after_synth").ok
    r = _result(runs, "warn", "exit_2")
    assert not r.ok and r.error == "SystemExit: 2"


def test_keyboard_interrupt_in_an_app_is_its_failure(runs):
    r = _result(runs, "warn", "keyboard_interrupt")
    assert not r.ok and r.error_type == "KeyboardInterrupt"
    assert _result(runs, "warn", "exit_0_after_synth").ok  # the worker went on


def test_worker_crash_is_reported_and_the_rest_still_run(runs):
    r = _result(runs, "fail", "crash")
    assert not r.ok
    assert r.error_type == "WorkerCrashed"
    assert "exit code 7" in r.error
    assert "about to crash" in r.output
    after = _result(runs, "fail", "good", 1)
    assert after.ok, after.error


def test_timeout_kills_the_app(runs):
    r = _result(runs, "fail", "hang")
    assert not r.ok
    assert r.error_type == "Timeout"
    assert f"{HANG_TIMEOUT:g}s" in r.error
    assert r.seconds >= HANG_TIMEOUT - 1


# -- no worker needed ----------------------------------------------------------


def test_missing_app_and_bad_mode(tmp_path):
    [r] = synth_apps([tmp_path / "nope.py"])
    assert not r.ok and r.error_type == "FileNotFoundError"
    assert r.app == tmp_path / "nope.py"
    with pytest.raises(ValueError):
        synth_apps([], deprecated="loud")
    assert synth_apps([]) == []


def test_cli_lines_and_exit_code(monkeypatch, capsys, tmp_path):
    seen = {}

    def fake_synth_apps(apps, *, deprecated, timeout, python, on_result):
        seen.update(deprecated=deprecated, timeout=timeout)
        results = [
            SynthResult(app=apps[0], ok=True, seconds=1.23, templates=1),
            SynthResult(app=apps[1], ok=False, error="TypeError: boom", error_type="TypeError"),
        ]
        for r in results:
            on_result(r)
        return results

    monkeypatch.setattr(synth_mod, "synth_apps", fake_synth_apps)
    code = synth_mod.main(["a/app.py", "b/app.py", "--deprecated", "fail"])
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert seen["deprecated"] == "fail"
    assert out == [f"ok  {Path('a/app.py')} (1.2s)", f"FAIL {Path('b/app.py')}: TypeError: boom"]

    monkeypatch.setattr(
        synth_mod,
        "synth_apps",
        lambda apps, **kw: [SynthResult(app=apps[0], ok=True)],
    )
    assert synth_mod.main(["a/app.py"]) == 0
