"""e820scope's real-VM test bed: Debian kernels under QEMU (TCG), kexec chains, dumps.

Modules: :mod:`kernels` (the kernel matrix from Debian's registry), :mod:`chroot` (a
release's compiler for the module), :mod:`kmod_build`, :mod:`tools` (what is installed),
:mod:`initramfs` (guest image), :mod:`qemu` (one VM run), :mod:`console` (serial-console
dump parser), :mod:`chain` (a kexec chain with the module loaded), :mod:`matrix` (the
scenarios per kernel), :mod:`record` (consoles into samples/ and tests/vm/data/),
:mod:`dumps`, :mod:`oracle` and :mod:`oracle_hops` (the checks), :mod:`fakeroot` (a guest
dump as a filesystem tree for ``e820scope live --root``), :mod:`lab` (the bug
reproduction with a self-built kernel). See docs/lab.md and tests/vm/README.md.
"""

from __future__ import annotations
