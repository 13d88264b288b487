"""The `pprl` command line.

Each area owns its commands in its own module and adds them to a group through
`register(group)`: `bloom.cli` (encode, clk), `bloom.cli_privacy`
(privacy), `pprl_synthetic.cli` (synth), `linkage.cli`
(match, dedup, groups, evaluate), `governance.cli` (pki, catalog, agreement, audit, warnings),
`transport.cli` (serve, upload, run, disclose, receive); this package owns `keys` (new, share,
receive: the secret is the encoder's, its wrapping is governance's) and `demo`.

The root loads an area only when one of its commands runs: `COMMANDS` names each command's
module and the one line `pprl --help` shows, so `pprl --help` imports none of the areas
(no NumPy, Arrow or gRPC). A test checks the table against what the areas register.
Errors from the engine's hierarchy become one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import importlib

import click

from pprl.clitools import EngineGroup

# Governance's groups (pki, audit, warnings) get their network commands from transport, so a
# command of either area loads both, governance first.
NETWORK = ("governance.cli", "transport.cli")

# command -> (the modules whose register() adds it, in order; its line in `pprl --help`)
COMMANDS: dict[str, tuple[tuple[str, ...], str]] = {
    "agreement": (
        NETWORK,
        "Use applications (数据使用申请) and the sharing agreements they become.",
    ),
    "audit": (NETWORK, "Verify, show and anchor the hash-chained audit log."),
    "catalog": (
        NETWORK,
        "The data resource catalogue: versioned entries with the twelve metadata items.",
    ),
    "clk": (
        ("bloom.cli",),
        'Exchange filters with clkhash/anonlink ({"clks": [base64, ...]} JSON).',
    ),
    "dataset": (NETWORK, "This department's datasets at the matcher: list, delete."),
    "dedup": (
        ("linkage.cli",),
        "Find records of A that are the same person; write cluster,token for each duplicate.",
    ),
    "demo": (
        ("pprl_app.demo",),
        "Run the whole cross-matching flow end to end, every party as a separate party.",
    ),
    "disclose": (
        NETWORK,
        "Provider: release the agreed fields of matched records, sealed to the consumer.",
    ),
    "encode": (
        ("bloom.cli",),
        "Encode records into keyed Bloom filters for matching (run by the department).",
    ),
    "evaluate": (
        ("linkage.cli",),
        "Precision, recall and F1 of a pairs file against ground truth.",
    ),
    "evaluate-groups": (
        ("linkage.cli",),
        "Pairwise precision, recall and F1 of a `pprl groups` file against ground truth.",
    ),
    "groups": (
        ("linkage.cli",),
        "Link three or more encoded datasets at once; write group,dataset,token.",
    ),
    "health": (
        NETWORK,
        "Ask the matcher's gRPC health service (over mutual TLS); exit 0 once it is SERVING.",
    ),
    "keys": (("pprl_app.cli_keys",), "Linkage secrets: create, share to departments, receive."),
    "match": (
        ("linkage.cli",),
        "Link encoded datasets A and B; write token_a,token_b,score,probability.",
    ),
    "matcher": (
        NETWORK,
        "The matcher's own setup: trust the office's CA, register certificates locally.",
    ),
    "pki": (NETWORK, "The coordinating office's certificate authority."),
    "privacy": (
        ("bloom.cli_privacy",),
        "Attack an encoded file as the matcher could, and report what it gives away.",
    ),
    "profile": (
        NETWORK,
        "Saved connection settings: matcher address, certificate, key, CA copy, CRL.",
    ),
    "receive": (
        NETWORK,
        "Consumer: collect, verify and decrypt disclosed fields for its matched records.",
    ),
    "run": (
        NETWORK,
        "Matching runs at the matcher: create, list, status, cancel, results, report.",
    ),
    "serve": (NETWORK, "Run the central matcher (gRPC, mutual TLS required) until interrupted."),
    "synth": (
        ("pprl_synthetic.cli",),
        "Write synthetic department extracts with ground truth (no real person's data).",
    ),
    "upload": (
        NETWORK,
        "Upload an encoded dataset (signed with the department's key; resumes if interrupted).",
    ),
    "warnings": (
        NETWORK,
        "Risk warnings (风险预警) from matched pairs: issue, list, verify, dispute.",
    ),
}


def area_commands(modules: tuple[str, ...]) -> dict[str, click.Command]:
    """Every command the area modules register, in order, by name."""
    group = click.Group()
    for module in modules:
        importlib.import_module(module).register(group)
    return dict(group.commands)


class LazyGroup(EngineGroup):
    """The root group: lists `COMMANDS` from the table, imports an area on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        return area_commands(COMMANDS[name][0])[name]

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # The table's lines, so listing the commands loads none of them.
        limit = formatter.width - 6 - max(len(n) for n in COMMANDS)
        rows = [(name, _shorten(line, limit)) for name, (_, line) in sorted(COMMANDS.items())]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 3, 1)].rstrip() + "..."


@click.group(cls=LazyGroup)
@click.version_option(package_name="pprl-engine")
def main() -> None:
    """Privacy-preserving record linkage for cross-department matching."""
