"""Weight inheritance in the chain space: a function-preserving network morphism (Wei et al.,
"Network Morphism", ICML 2016; Elsken et al., "Efficient Multi-objective Neural Architecture
Search via Lamarckian Evolution", ICLR 2019).

A child network starts from its parent's trained tensors: channels line up by the layer they
come from, kernels by their centre, and what the parent lacked reads zeros, so the child first
computes what its parent computed. :meth:`ChainSpace.inherit` applies it.
"""

from __future__ import annotations

import itertools

import torch

from nasrun.spaces.chain.network import ChainNet

# A tensor's channel layout: per dimension, the (source, width) segments its channels come in,
# or None where the dimension has no channel structure (kernel, classes). The tag says what the
# tensor is (a convolution, a depthwise convolution, batch norm ...): tensors of one name but
# another tag (an op mutation) are not copied.
Segments = tuple[tuple[int, int], ...]
Layout = dict[str, tuple[str, tuple[Segments | None, ...]]]


def channel_layout(model: torch.nn.Module) -> Layout:
    """Where the channels of each tensor of a chain network (:class:`ChainNet`) come from.

    A layer's input is the concatenation of its sources' outputs, and the classifier's that of
    the unread layers' outputs; a mutation of one layer's width or skips shifts the channels of
    every later segment, so copying by position would misalign them. Empty for other networks,
    whose tensors are only copied where their shapes agree.
    """
    if not isinstance(model, ChainNet):
        return {}
    # Layer 0 alone reads the image (-1); every op's first convolution takes all its inputs.
    first = next(m for m in model.layers[0].body if isinstance(m, torch.nn.Conv2d))
    widths = {-1: first.in_channels}
    layout: Layout = {}
    for i, (sources, layer) in enumerate(zip(model.inputs, model.layers, strict=True)):
        bn = next(m for m in layer.body if isinstance(m, torch.nn.BatchNorm2d))
        out: Segments = ((i, bn.num_features),)
        inp = tuple((s, widths[s]) for s in sources)
        for j, module in enumerate(layer.body):
            prefix = f"layers.{i}.body.{j}."
            if isinstance(module, torch.nn.Conv2d) and module.groups > 1:
                layout[prefix + "weight"] = ("depthwise", (inp, None, None, None))
            elif isinstance(module, torch.nn.Conv2d):
                layout[prefix + "weight"] = ("conv", (out, inp, None, None))
            elif isinstance(module, torch.nn.BatchNorm2d):
                for name in ("weight", "bias", "running_mean", "running_var"):
                    layout[prefix + name] = ("bn", (out,))
        widths[i] = bn.num_features
    features = tuple((i, widths[i]) for i in model.outputs)
    layout["classifier.weight"] = ("linear", (None, features))
    return layout


def _pairs(
    child: Segments | None, parent: Segments | None, c_size: int, p_size: int
) -> list[tuple[slice, slice]] | None:
    """(child, parent) index ranges that hold the same channels; None: nothing lines up."""
    if child is None or parent is None:
        return [(slice(None), slice(None))] if c_size == p_size else None
    offsets, at = {}, 0
    for key, width in parent:
        offsets[key] = (at, width)
        at += width
    pairs, at = [], 0
    for key, width in child:
        if key in offsets:
            p_at, p_width = offsets[key]
            n = min(width, p_width)
            pairs.append((slice(at, at + n), slice(p_at, p_at + n)))
        at += width
    return pairs


def _centred(c_size: int, p_size: int) -> tuple[slice, slice]:
    """The centred overlap of two kernel extents (a 3-wide kernel is the middle of a 5-wide one)."""
    n = min(c_size, p_size)
    c0, p0 = (c_size - n) // 2, (p_size - n) // 2
    return slice(c0, c0 + n), slice(p0, p0 + n)


def inherit(
    child: torch.nn.Module,
    parent_state: dict[str, torch.Tensor],
    parent_layout: Layout | None = None,
) -> float:
    """Copies the parent's tensors into ``child`` wherever they carry over; returns the fraction of
    the child's parameters (by element) that were inherited.

    A tensor of the same name and shape is copied whole (batch-norm running statistics
    included). One whose kernel grew or shrank keeps the centre of the parent's kernel; given
    ``parent_layout`` (:func:`channel_layout` of the parent network), the channels that both
    networks compute from the same source are copied too, so a wider or narrower layer, or an
    added or removed skip connection, keeps every weight it shares with the parent.

    Weights that read channels the parent did not have (a new skip, extra filters) and the
    border of a grown kernel start at zero: the child then computes what its parent computed,
    a function-preserving network morphism (Wei et al. 2016; Elsken et al. 2019), and training
    grows the new connections from there. Everything else keeps its fresh initialisation.
    """
    state = child.state_dict()
    child_layout = channel_layout(child) if parent_layout else {}
    params = dict(child.named_parameters())
    inherited = 0
    with torch.no_grad():
        for name, target in state.items():
            source = parent_state.get(name)
            if source is None or source.dim() != target.dim():
                continue
            source = source.to(target.device)  # a parent kept on the CPU
            c_tag, c_dims = child_layout.get(name, ("", (None,) * target.dim()))
            p_tag, p_dims = (parent_layout or {}).get(name, ("", (None,) * source.dim()))
            if c_tag != p_tag:
                continue
            if source.shape == target.shape and c_dims == p_dims:
                target.copy_(source)
                inherited += target.numel() if name in params else 0
                continue
            ranges: list[list[tuple[slice, slice]]] = []
            for d in range(target.dim()):
                if d >= 2 and c_dims[d] is None:  # a kernel dimension
                    ranges.append([_centred(target.shape[d], source.shape[d])])
                    continue
                pairs = _pairs(c_dims[d], p_dims[d], target.shape[d], source.shape[d])
                if pairs is None:
                    break
                ranges.append(pairs)
            else:
                if target.dim() >= 2:
                    # Rows (outputs; a depthwise kernel's channels) the parent also computes read
                    # zero from new inputs and a grown kernel's border; new rows stay fresh.
                    for rows, _ in ranges[0]:
                        target[rows] = 0
                for index in itertools.product(*ranges):
                    c_idx = tuple(c for c, _ in index)
                    target[c_idx] = source[tuple(p for _, p in index)]
                    inherited += target[c_idx].numel() if name in params else 0
    return inherited / max(1, sum(p.numel() for p in params.values()))
