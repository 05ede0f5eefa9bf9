"""The learnable part of the attention model: text projections, head and group weights, temperature.

A :class:`HeadMixer` combines the per-group dot products of :mod:`attn_team.attention._features`
into one score per (query, key) pair::

    score(i, j) = sum_h a_h * sum_{g in h} b_g * <phi_g(q_i), phi_g(k_j)>
    text/emb:  phi(q) = W_q e_i,  phi(k) = W_k e_j       (learned, identity at start)
    weight(i, j) = softmax_j(score(i, j) / tau)           (over *all* keys of query i)
"""

from __future__ import annotations

import copy
import logging
import math

import numpy as np
import torch
from torch import nn

from .._heads import GROUPS, HEADS

__all__ = ["HeadMixer", "DEFAULT_HEAD_WEIGHTS", "DEFAULT_GROUP_WEIGHTS", "DEFAULT_TEMPERATURE", "Adam",
           "untrained_mixer", "mixer_for", "mixer_state", "mixer_from_state"]

log = logging.getLogger(__name__)

#: untrained head weights a_h
DEFAULT_HEAD_WEIGHTS = {"text": 1.0, "structure": 0.15, "people": 0.1, "time": 0.1, "graph": 0.15}
#: untrained group weights b_g
DEFAULT_GROUP_WEIGHTS = {
    "emb": 0.5, "lex": 0.5,
    "component": 1.0, "label": 1.0, "hierarchy": 1.0, "mention": 3.0, "project": 0.5, "version": 0.5,
    "people": 1.0,
    "created": 1.0, "sequence": 1.0, "sprint": 1.0,
    "neighbour": 1.0,
}
DEFAULT_TEMPERATURE = 0.05
_TO = ("items", "members", "history")


class HeadMixer(nn.Module):
    """The learnable part of the model: text projections, head and group weights, temperature.

    Parameters
    ----------
    dim : int
        Width of the text embeddings.
    heads : tuple of str
        Active heads (others contribute zero).
    """

    def __init__(self, dim: int, heads: tuple[str, ...], head_weights: dict | None = None):
        super().__init__()
        self.heads = tuple(heads)
        self.W_q = nn.Parameter(torch.eye(dim))
        self.W_k = nn.Parameter(torch.eye(dim))
        hw = {**DEFAULT_HEAD_WEIGHTS, **(head_weights or {})}
        self.log_head = nn.Parameter(torch.tensor([math.log(max(hw[h], 1e-6)) for h in HEADS]))
        self.log_group = nn.Parameter(torch.tensor([math.log(DEFAULT_GROUP_WEIGHTS[g]) for g in GROUPS]))
        self.log_temperature = nn.Parameter(torch.tensor(math.log(DEFAULT_TEMPERATURE)))
        self.register_buffer("active", torch.tensor([1.0 if GROUPS[g] in self.heads else 0.0 for g in GROUPS]))

    def group_coef(self) -> torch.Tensor:
        """Coefficient ``a_h * b_g`` of every group (zero for switched-off heads), in ``GROUPS`` order."""
        head_idx = torch.tensor([list(HEADS).index(GROUPS[g]) for g in GROUPS])
        return torch.exp(self.log_head[head_idx] + self.log_group) * self.active

    def temperature(self) -> torch.Tensor:
        return torch.exp(self.log_temperature)

    def project(self, E: torch.Tensor, side: str) -> torch.Tensor:
        return E @ (self.W_q if side == "q" else self.W_k).T

    def forward(self, eq: torch.Tensor, E: torch.Tensor, cand: torch.Tensor, sparse_sims: torch.Tensor,
                *, train_mix: bool = True) -> torch.Tensor:
        """Logits of queries over candidate keys.

        Parameters
        ----------
        eq : (B, d) query embeddings; E : (n, d) embeddings of all items; cand : (B, m)
        candidate key indices; sparse_sims : (B, m, G-1) per-group dot products of the
        sparse groups (``GROUPS[1:]``); train_mix : with False, no gradient reaches the
        head/group weights and the temperature (only the text projections learn).
        """
        c = self.group_coef()
        tau = self.temperature()
        if not train_mix:
            c, tau = c.detach(), tau.detach()
        # (W_q e_q) . (W_k e_k) = e_q^T (W_q^T W_k) e_k: one d x d product; then either one
        # matmul against all items and a gather (small backlogs) or a gather of the candidates
        qm = eq @ (self.W_q.T @ self.W_k)
        if E.shape[0] <= cand.numel():
            emb = torch.gather(qm @ E.T, 1, cand)
        else:
            emb = torch.einsum("bd,bmd->bm", qm, E[cand])
        score = c[0] * emb + (sparse_sims * c[1:]).sum(-1)
        return score / tau


class Adam:
    """Plain Adam (Kingma & Ba) over a few parameter groups.

    ``torch.optim.Adam`` imports ``torch._dynamo`` on construction (seconds on a
    busy CPU, more than a whole fit of a small backlog); this is the same update.
    """

    def __init__(self, groups, betas=(0.9, 0.999), eps=1e-8):
        self.groups = [(list(ps), lr) for ps, lr in groups]
        self.b1, self.b2, self.eps = betas[0], betas[1], eps
        self.state = {id(p): (torch.zeros_like(p), torch.zeros_like(p)) for ps, _ in self.groups for p in ps}
        self.t = 0

    def zero_grad(self) -> None:
        for ps, _ in self.groups:
            for p in ps:
                p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        self.t += 1
        c1, c2 = 1 - self.b1 ** self.t, 1 - self.b2 ** self.t
        for ps, lr in self.groups:
            for p in ps:
                if p.grad is None:
                    continue
                m, v = self.state[id(p)]
                m.mul_(self.b1).add_(p.grad, alpha=1 - self.b1)
                v.mul_(self.b2).addcmul_(p.grad, p.grad, value=1 - self.b2)
                p.sub_(lr * (m / c1) / ((v / c2).sqrt() + self.eps))


def untrained_mixer(dim: int, heads, head_weights: dict | None = None) -> HeadMixer:
    """A mixer with the untrained weights: identity projections, default head/group weights."""
    m = HeadMixer(dim, tuple(heads), head_weights)
    m.eval()
    return m


def mixer_for(mixer: HeadMixer | None, dim: int, heads, head_weights: dict | None = None) -> HeadMixer:
    """The mixer to score with: ``mixer`` (fitted) or the untrained one, with ``heads`` switched on.

    Raises ``ValueError`` when a fitted mixer's width differs from the embeddings' width ``dim``.
    """
    if mixer is None:
        log.info("CrossAttention is not fitted: attending with the untrained weights")
        return untrained_mixer(dim, heads, head_weights)
    if mixer.W_q.shape[0] != dim:
        raise ValueError(f"model was fitted on {mixer.W_q.shape[0]}-d embeddings, got {dim}-d")
    if tuple(mixer.heads) != tuple(heads):  # respect heads switched off after fitting
        mixer = copy.deepcopy(mixer)
        mixer.heads = tuple(heads)
        mixer.active = torch.tensor([1.0 if GROUPS[g] in mixer.heads else 0.0 for g in GROUPS])
    return mixer


def mixer_state(mixer: HeadMixer) -> dict[str, np.ndarray]:
    """The mixer's tensors as numpy arrays (to store a fitted model)."""
    return {name: t.detach().cpu().numpy().copy() for name, t in mixer.state_dict().items()}


def mixer_from_state(state: dict[str, np.ndarray], heads) -> HeadMixer:
    """A frozen mixer rebuilt from :func:`mixer_state`'s arrays."""
    dim = int(state["W_q"].shape[0])
    m = HeadMixer(dim, tuple(heads))
    m.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in state.items()})
    m.eval()
    for p in m.parameters():
        p.requires_grad_(False)
    return m
