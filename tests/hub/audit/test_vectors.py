"""The Merkle log and the signed notes against published test vectors.

Merkle vectors: the 8-leaf RFC 6962 tree of transparency-dev/merkle
(https://github.com/transparency-dev/merkle), `testonly/constants.go` (leaf inputs, node and root
hashes per size) and `proof/verify_test.go` (inclusion and consistency proofs). RFC 9162 §2.1
hashing is RFC 6962's (0x00 leaf prefix, 0x01 node prefix), so the same vectors apply.

Note vectors: golang.org/x/mod `sumdb/note/note_test.go` (https://go.googlesource.com/mod): the
"PeterNeumann" signer and verifier keys and the exact note they sign (Ed25519 signatures are
deterministic), and the "EnochRoot" cosignature.
"""

from __future__ import annotations

import base64

import pytest

from hub.audit.checkpoint import Checkpoint
from hub.audit.merkle import (
    EMPTY_ROOT,
    Frontier,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)
from hub.audit.note import NoteError, Signer, Verifier, key_id, open_note

LEAF_INPUTS = [bytes.fromhex(h) for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657"]] + [
    bytes.fromhex("606162636465666768696a6b6c6d6e6f")
]
LEAF_HASHES = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
]
ROOTS = {  # By tree size.
    0: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
COMPACT_TREES = {  # The right edge per size (testonly.CompactTrees), as node hashes.
    3: ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125", LEAF_HASHES[2]],
    6: [
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
    ],
    7: [
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        LEAF_HASHES[6],
    ],
}
INCLUSION_PROOFS = [  # (leaf number from 1, tree size, proof)
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        2,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CONSISTENCY_PROOFS = [  # (old size, new size, proof)
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]

PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
NOTE_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
PETER_SIG = (
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"
)


def _hashes(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(value) for value in values]


def test_leaf_hashes_and_roots_at_every_size() -> None:
    leaves = [leaf_hash(data) for data in LEAF_INPUTS]
    assert [leaf.hex() for leaf in leaves] == LEAF_HASHES
    assert EMPTY_ROOT.hex() == ROOTS[0]
    frontier = Frontier()
    assert frontier.root().hex() == ROOTS[0]
    for size in range(1, 9):
        frontier.append(leaves[size - 1])
        assert frontier.root().hex() == ROOTS[size]
        assert root_hash(leaves[:size]).hex() == ROOTS[size]
        if size in COMPACT_TREES:
            assert [node.hex() for node in frontier.nodes] == COMPACT_TREES[size]
        restored = Frontier.from_bytes(frontier.size, frontier.to_bytes())
        assert restored.root() == frontier.root()


@pytest.mark.parametrize(("leaf", "size", "proof"), INCLUSION_PROOFS)
def test_inclusion_proofs(leaf: int, size: int, proof: list[str]) -> None:
    leaves = [leaf_hash(data) for data in LEAF_INPUTS]
    expected = _hashes(proof)
    assert inclusion_proof(leaves[:size], leaf - 1) == expected
    root = bytes.fromhex(ROOTS[size])
    assert verify_inclusion(leaf - 1, size, leaves[leaf - 1], expected, root)
    # The corruptions transparency-dev/merkle's verifierCheck tries, each of which must fail.
    other_root = bytes.fromhex(ROOTS[size - 1])
    probes = [
        (leaf - 2, size, leaves[leaf - 1], expected, root),
        (leaf, size, leaves[leaf - 1], expected, root),
        ((leaf - 1) ^ 2, size, leaves[leaf - 1], expected, root),
        (leaf - 1, size * 2, leaves[leaf - 1], expected, root),
        (leaf - 1, size // 2, leaves[leaf - 1], expected, root),
        (leaf - 1, size, b"WrongLeaf", expected, root),
        (leaf - 1, size, leaves[leaf - 1], expected, EMPTY_ROOT),
        (leaf - 1, size, leaves[leaf - 1], expected, other_root),
        (leaf - 1, size, leaves[leaf - 1], [*expected, b""], root),
        (leaf - 1, size, leaves[leaf - 1], [*expected, root], root),
        (leaf - 1, size, leaves[leaf - 1], [b"", *expected], root),
        (leaf - 1, size, leaves[leaf - 1], [root, *expected], root),
    ]
    for index, node in enumerate(expected):
        flipped = list(expected)
        flipped[index] = bytes([node[0] ^ 8]) + node[1:]
        probes.append((leaf - 1, size, leaves[leaf - 1], flipped, root))
    if expected:
        probes.append((leaf - 1, size, leaves[leaf - 1], expected[:-1], root))
    for probe in probes:
        assert not verify_inclusion(*probe), probe


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY_PROOFS)
def test_consistency_proofs(old: int, new: int, proof: list[str]) -> None:
    leaves = [leaf_hash(data) for data in LEAF_INPUTS]
    expected = _hashes(proof)
    assert consistency_proof(leaves[:new], old) == expected
    old_root, new_root = bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new])
    assert verify_consistency(old, new, old_root, new_root, expected)
    if not expected:
        return
    probes = [
        (old - 1, new, old_root, new_root, expected),
        (old + 1, new, old_root, new_root, expected),
        (old ^ 2, new, old_root, new_root, expected),
        (old, new * 2, old_root, new_root, expected),
        (old, new // 2, old_root, new_root, expected),
        (old, new, b"WrongRoot", new_root, expected),
        (old, new, old_root, b"WrongRoot", expected),
        (old, new, new_root, old_root, expected),
        (old, new, old_root, new_root, []),
        (old, new, old_root, new_root, [*expected, b""]),
        (old, new, old_root, new_root, [*expected, old_root]),
        (old, new, old_root, new_root, [*expected, new_root]),
        (old, new, old_root, new_root, [b"", *expected]),
        (old, new, old_root, new_root, [old_root, *expected]),
        (old, new, old_root, new_root, [new_root, *expected]),
        (old, new, old_root, new_root, [expected[0], *expected]),
        (old, new, old_root, new_root, expected[:-1]),
    ]
    for index, node in enumerate(expected):
        flipped = list(expected)
        flipped[index] = bytes([node[0] ^ 16]) + node[1:]
        probes.append((old, new, old_root, new_root, flipped))
    for probe in probes:
        assert not verify_consistency(*probe), probe


def test_consistency_edge_cases_as_published() -> None:
    any_root, other_root = b"\x01" * 32, b"\x02" * 32
    assert verify_consistency(0, 0, any_root, any_root, [])
    assert verify_consistency(0, 1, any_root, other_root, [])
    assert verify_consistency(1, 1, other_root, other_root, [])
    assert not verify_consistency(1, 1, any_root, other_root, [])
    assert not verify_consistency(1, 0, any_root, other_root, [])
    assert not verify_consistency(2, 1, any_root, other_root, [])
    assert not verify_consistency(1, 2, any_root, other_root, [])
    assert not verify_consistency(1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])


def test_every_proof_of_every_tree_up_to_33_leaves_verifies() -> None:
    """Beyond the published sizes: the generators and verifiers agree, and a proof never fits a wrong index."""
    leaves = [leaf_hash(bytes([n])) for n in range(33)]
    for size in range(1, 34):
        root = root_hash(leaves[:size])
        for index in range(size):
            proof = inclusion_proof(leaves[:size], index)
            assert verify_inclusion(index, size, leaves[index], proof, root)
            assert not verify_inclusion((index + 1) % size, size, leaves[index], proof, root) or size == 1
        for old in range(size + 1):
            proof = consistency_proof(leaves[:size], old)
            assert verify_consistency(old, size, root_hash(leaves[:old]), root, proof)


def test_the_published_signer_signs_the_published_note() -> None:
    signer = Signer.parse(PETER_SKEY)
    assert signer.verifier.vkey == PETER_VKEY
    assert signer.skey == PETER_SKEY
    assert key_id("PeterNeumann", signer.verifier.public_key).hex() == "c74f20a3"
    assert signer.sign(NOTE_TEXT) == NOTE_TEXT + "\n" + PETER_SIG


def test_the_published_note_opens_with_its_key_and_alongside_a_cosignature() -> None:
    peter = Verifier.parse(PETER_VKEY)
    enoch = Verifier.parse(ENOCH_VKEY)
    assert open_note(NOTE_TEXT + "\n" + PETER_SIG + ENOCH_SIG, peter) == NOTE_TEXT
    assert open_note(NOTE_TEXT + "\n" + PETER_SIG + ENOCH_SIG, enoch) == NOTE_TEXT
    with pytest.raises(NoteError, match="no signature by key"):
        open_note(NOTE_TEXT + "\n" + ENOCH_SIG, peter)
    corrupted = PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(NoteError, match=r"invalid signature|base64"):
        open_note(NOTE_TEXT + "\n" + corrupted, peter)
    for malformed in [
        NOTE_TEXT,
        NOTE_TEXT + "\n",
        NOTE_TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + NOTE_TEXT + "\n" + PETER_SIG,
        NOTE_TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
        NOTE_TEXT.replace("problem,", "problems,") + "\n" + PETER_SIG,
    ]:
        with pytest.raises(NoteError):
            open_note(malformed, peter)


def test_mangled_published_keys_are_refused() -> None:
    for bad in [
        PETER_VKEY[:-1],
        PETER_VKEY.replace("c74f20a3", "c74f20a4"),
        PETER_VKEY.replace("PeterNeumann", "PeterNeuman"),
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ]:
        with pytest.raises(NoteError):
            Verifier.parse(bad)
    for bad in [PETER_SKEY[:-1], PETER_SKEY.replace("c74f20a3", "c74f20a4"), PETER_SKEY.removeprefix("PRIVATE+")]:
        with pytest.raises(NoteError):
            Signer.parse(bad)


def test_a_checkpoint_is_a_signed_note_in_the_tlog_checkpoint_format() -> None:
    signer = Signer.parse(PETER_SKEY)
    root = bytes.fromhex(ROOTS[8])
    note = Checkpoint("example.com/log42", 8, root).sign(signer)
    body, _, signature = note.partition("\n\n")
    assert body == "example.com/log42\n8\n" + base64.b64encode(root).decode("ascii")
    assert signature.startswith("\u2014 PeterNeumann ") and signature.endswith("\n")
    assert Checkpoint.open(note, signer.verifier) == Checkpoint("example.com/log42", 8, root)
    with pytest.raises(NoteError):
        Checkpoint.open(note.replace("\n8\n", "\n9\n"), signer.verifier)
    for text in ["o\n08\n" + body.split("\n")[2] + "\n", "o\n8\nAAAA\n", "\n8\n" + body.split("\n")[2] + "\n"]:
        with pytest.raises(NoteError):
            Checkpoint.parse(text)
