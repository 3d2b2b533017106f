"""The ``latency_ms`` cost: the sum of per-layer latencies from the measured look-up table
(:mod:`nasrun.costs`), built once per device and cached under the output root."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from nasrun.errors import NasrunError


def latency_model(
    space: Any, dataset: Any, options: Mapping[str, Any] | None = None
) -> Callable[[Any], float]:
    """A function from an architecture of ``space`` to its predicted latency in ms on
    ``options['device']`` (default cpu), for ``dataset``'s inputs. ``options``: ``device``,
    ``output_root`` (where the table is cached) and :class:`nasrun.costs.Timing` fields."""
    if not hasattr(space, "all_layer_specs"):
        raise NasrunError(
            f"objective: latency_ms needs a space with a latency table (space=mobilenet), "
            f"not space={space.name}; use flops or params"
        )
    from nasrun.costs import Timing, latency_table

    settings = dict(options or {})
    device = settings.pop("device", "cpu")
    output_root = settings.pop("output_root", "outputs")
    table = latency_table(
        space,
        dataset.num_classes,
        tuple(dataset.input_shape),
        device=device,
        output_root=output_root,
        timing=Timing(**settings),
    )
    return table.predict
