"""Arrays in byte buffers: the 0.1.3 module, kept, now without copies.

>>> import numpy as np, wea
>>> wc = wea.buffered_memory.create_buffered_array(np.dtype("float64"), (10, 2))
>>> buf = wc.exchange_buffer          # the array's own memory, header included
>>> wd = wea.buffered_memory.load_buffered_array(buf)   # a view of buf
>>> bool(np.shares_memory(wc, wd))
True
"""

from ._buffer import BufferedExchangeArray, create_buffered_array, load_buffered_array

__all__ = ["BufferedExchangeArray", "create_buffered_array", "load_buffered_array"]
