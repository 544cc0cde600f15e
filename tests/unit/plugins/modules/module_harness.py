"""Drive a module through its entry point (main) without root and without a target: the
arguments go in as Ansible gives them, commands are answered by a FakeRunner that replays
recorded outputs, exit_json / fail_json are caught and their result returned."""

import json
import os
from unittest import mock

import yaml
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.lvs.cluster.plugins.module_utils.ansible_module import AnsibleModule


class FakeRunner:
    """Answers commands by program name (no path) and arguments.

    answers: {"ipvsadm -Sn": (rc, out, err) or a list of them, replayed in order (the last
    one repeats)}. A command without an answer fails the test. calls: [(command, stdin)].
    """

    def __init__(self, answers):
        self.answers = dict(answers)
        self.calls = []

    def run_command(self, args, data=None, **_kwargs):
        command = " ".join([os.path.basename(args[0])] + list(args[1:]))
        self.calls.append((command, data))
        assert command in self.answers, "unexpected command: %r" % command
        answer = self.answers[command]
        if isinstance(answer, list):
            return answer.pop(0) if len(answer) > 1 else answer[0]
        return answer

    def commands(self):
        return [command for command, _data in self.calls]


LIST_RULESET = "nft -j list ruleset"


def ruleset(*listings):
    """The answer of ``nft -j list ruleset`` on a host holding the tables of listings (the
    recorded ``nft -j list table`` outputs; '' or None: no table): their objects after one
    metainfo, as nft lists a ruleset."""
    meta = {"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}
    items = [meta]
    for listing in listings:
        if listing:
            items += [item for item in json.loads(listing)["nftables"] if "metainfo" not in item]
    return (0, json.dumps({"nftables": items}), "")


class _Done(Exception):
    def __init__(self, result):
        super().__init__(result)
        self.result = result


def run_module(module, args, runner, check_mode=False, diff=False, missing=()):
    """The module's result (a dict, failed=True on fail_json) for args."""
    def exit_json(_self, **result):
        raise _Done(dict(result, failed=False))

    def fail_json(_self, msg, **result):
        raise _Done(dict(result, msg=msg, failed=True))

    def get_bin_path(_self, name, required=False, opt_dirs=None):
        return None if name in missing else "/usr/sbin/" + name

    arguments = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    with patch_module_args(arguments), \
            mock.patch.object(basic.AnsibleModule, "exit_json", exit_json), \
            mock.patch.object(basic.AnsibleModule, "fail_json", fail_json), \
            mock.patch.object(AnsibleModule, "run_command", lambda _self, *a, **k: runner.run_command(*a, **k)), \
            mock.patch.object(basic.AnsibleModule, "get_bin_path", get_bin_path):
        try:
            module.main()
        except _Done as done:
            return done.result
    raise AssertionError("the module returned without exit_json or fail_json")


def documented_returns(module):
    return set(yaml.safe_load(module.RETURN))


def undocumented_keys(module, result):
    """Keys of a result that the module's RETURN does not document (Ansible's own excepted)."""
    own = {"changed", "failed", "msg", "invocation", "warnings", "deprecations"}
    return set(result) - own - documented_returns(module)
