"""A Merkle tree log with RFC 9162 §2.1 hashing: leaf and node hashes, the right edge, and proofs.

The audit trail is the sequence of leaves of one such tree. A signed tree head (checkpoint) then
commits to every event before it: editing, inserting, deleting or reordering any of them changes
the root, and an older checkpoint proves a newer tree extends it (a consistency proof) without
trusting whoever stores the events. Proof generation follows RFC 6962 §2.1.1-2.1.2 and
verification RFC 9162 §2.1.3.2 and §2.1.4.2, checked against the published test vectors in
`tests/hub/audit/`.
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256

HASH_BYTES = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = sha256(b"").digest()
"""The root of the empty tree: the hash of the empty string (RFC 9162 §2.1.1)."""


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d): the prefix keeps a leaf from ever passing for a node."""
    return sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return sha256(NODE_PREFIX + left + right).digest()


class Frontier:
    """The right edge of a tree: the roots of its perfect subtrees, largest first.

    That is all an append needs (O(log n) hashes and storage), and folding it from the right gives
    the root at the current size, so a verifier can compare the root at every checkpoint's size in
    one pass over the leaves.
    """

    __slots__ = ("nodes", "size")

    def __init__(self, size: int = 0, nodes: Sequence[bytes] = ()) -> None:
        if len(nodes) != size.bit_count():
            raise ValueError(f"a tree of {size} leaves has {size.bit_count()} subtree roots, not {len(nodes)}")
        self.size = size
        self.nodes = list(nodes)

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash, merging the equal-sized subtrees it completes."""
        nodes, node, size = self.nodes, leaf, self.size
        while size & 1:
            node = sha256(NODE_PREFIX + nodes.pop() + node).digest()
            size >>= 1
        nodes.append(node)
        self.size += 1

    def root(self) -> bytes:
        """The tree's root hash at its current size."""
        nodes = self.nodes
        if not nodes:
            return EMPTY_ROOT
        root = nodes[-1]
        for node in reversed(nodes[:-1]):
            root = sha256(NODE_PREFIX + node + root).digest()
        return root

    def copy(self) -> Frontier:
        return Frontier(self.size, self.nodes)

    def to_bytes(self) -> bytes:
        """The subtree roots concatenated (the size is stored beside them)."""
        return b"".join(self.nodes)

    @classmethod
    def from_bytes(cls, size: int, blob: bytes) -> Frontier:
        if len(blob) != size.bit_count() * HASH_BYTES:
            raise ValueError(f"a stored right edge of a tree of {size} leaves has the wrong length")
        return cls(size, [blob[offset : offset + HASH_BYTES] for offset in range(0, len(blob), HASH_BYTES)])


def root_hash(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) over leaf hashes."""
    frontier = Frontier()
    for leaf in leaves:
        frontier.append(leaf)
    return frontier.root()


def _split(size: int) -> int:
    """The largest power of two smaller than `size` (size > 1): where RFC 9162 splits a tree."""
    return 1 << ((size - 1).bit_length() - 1)


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(index, D[n]): the sibling hashes from leaf `index` up to the root of the tree of `leaves`."""
    if not 0 <= index < len(leaves):
        raise ValueError(f"leaf {index} is not in a tree of {len(leaves)} leaves")
    proof: list[bytes] = []
    start, end = 0, len(leaves)
    while end - start > 1:
        k = _split(end - start)
        if index - start < k:
            proof.append(root_hash(leaves[start + k : end]))
            end = start + k
        else:
            proof.append(root_hash(leaves[start : start + k]))
            start += k
    proof.reverse()
    return proof


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """PROOF(m, D[n]): the hashes that show the tree of `leaves` extends its first `old_size` leaves."""
    if not 0 <= old_size <= len(leaves):
        raise ValueError(f"a tree of {len(leaves)} leaves cannot extend one of {old_size}")
    if old_size in (0, len(leaves)):
        return []
    proof: list[bytes] = []
    start, end, m, complete = 0, len(leaves), old_size, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            proof.append(root_hash(leaves[start + k : end]))
            end = start + k
        else:
            proof.append(root_hash(leaves[start : start + k]))
            start, m, complete = start + k, m - k, False
    if not complete:
        proof.append(root_hash(leaves[start:end]))
    proof.reverse()
    return proof


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes | None:
    """The root that `proof` leads to from leaf `index` of a tree of `size` (RFC 9162 §2.1.3.2); None if malformed."""
    if not 0 <= index < size or len(leaf) != HASH_BYTES:
        return None
    fn, sn, node = index, size - 1, leaf
    for sibling in proof:
        if sn == 0 or len(sibling) != HASH_BYTES:
            return None
        if fn & 1 or fn == sn:
            node = node_hash(sibling, node)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            node = node_hash(node, sibling)
        fn, sn = fn >> 1, sn >> 1
    return node if sn == 0 else None


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    """Whether leaf hash `leaf` is leaf `index` of the tree of `size` whose root is `root`."""
    return root_from_inclusion_proof(index, size, leaf, proof) == root


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """Whether the tree of `new_size` with `new_root` extends the one of `old_size` with `old_root` (§2.1.4.2)."""
    if not 0 <= old_size <= new_size or any(len(node) != HASH_BYTES for node in proof):
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # A power of two: the old tree is itself a subtree of the new.
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    first = second = path[0]
    for node in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            first, second = node_hash(node, first), node_hash(node, second)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            second = node_hash(second, node)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and first == old_root and second == new_root
