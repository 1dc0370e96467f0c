"""Arrays in POSIX shared memory: the 0.1.3 module, kept.

>>> import numpy as np, wea
>>> wa = wea.shared_memory.create_shared_array("/awesome-doc", np.dtype("float64"), (10, 2))
>>> wb = wea.shared_memory.attach_shared_array("/awesome-doc")
>>> wa.unlink()

See :func:`create_shared_array`, :func:`attach_shared_array` and
:class:`SharedExchangeArray`; :func:`list_shared_arrays` and
:func:`unlink_shared_array` manage the objects of the machine.
"""

from ._shm import (
    SHM_DIR,
    SharedArrayInfo,
    SharedExchangeArray,
    SharedSegment,
    attach_shared_array,
    create_shared_array,
    list_shared_arrays,
    normalize_name,
    stat_shared_array,
    unlink_shared_array,
)

__all__ = [
    "SHM_DIR",
    "SharedArrayInfo",
    "SharedExchangeArray",
    "SharedSegment",
    "attach_shared_array",
    "create_shared_array",
    "list_shared_arrays",
    "normalize_name",
    "stat_shared_array",
    "unlink_shared_array",
]
