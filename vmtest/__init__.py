"""e820scope's real-VM test bed: Debian kernels under QEMU (TCG), kexec chains, dumps.

Modules: :mod:`tools` (what is installed), :mod:`initramfs` (guest image),
:mod:`qemu` (one VM run), :mod:`console` (serial-console dump parser),
:mod:`chain` (a kexec_file_load chain with the module loaded), :mod:`fakeroot`
(a guest dump as a filesystem tree for ``e820scope live --root``), :mod:`lab`
(the bug reproduction with a self-built kernel). See docs/lab.md and tests/vm/README.md.
"""

from __future__ import annotations
