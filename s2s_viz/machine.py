"""What this code runs on, said once for cards, benchmarks and the Train tab: CPU model and cores, GPUs if any."""

from __future__ import annotations

import os
import platform


def _gpu_names() -> list[str]:
    from .backend import devices

    return devices()


def machine_description() -> str:
    """``AMD EPYC ..., 2 cores, Linux x86_64`` plus ``, GPU: NAME`` for each GPU the Keras backend sees."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    description = f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}"
    gpus = _gpu_names()
    return description + (", GPU: " + ", ".join(gpus) if gpus else "")


def device_description() -> str:
    """The device the Keras backend trains on, and the backend (words that read the same in every language):
    ``GPU: NAME, Keras/jax`` or ``CPU (the machine's description), Keras/tensorflow``."""
    from .backend import name

    gpus = _gpu_names()
    return (f"GPU: {gpus[0]}" if gpus else f"CPU ({machine_description()})") + f", Keras/{name()}"
