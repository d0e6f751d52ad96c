"""PyTorch 2.13.0 on the CPU, float64, eager: torch.autograd for grad, torch.func for JVP/HVP/Jacobians.

Only torch 2.13.0 is measured (the version the project pins); another installed
version is skipped with a note rather than measured.
"""

from __future__ import annotations

import numpy as np

import bench_problems as bp

NAME = "torch"
PINNED = "2.13.0"


class WrongVersion(ImportError):
    pass


def load():
    import torch

    if torch.__version__.split("+")[0] != PINNED:
        raise WrongVersion(f"torch {torch.__version__} installed; only torch=={PINNED} is measured")
    return torch.__version__


def limit_threads():
    import torch

    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # only settable before torch starts inter-op work
        pass
    return f"torch threads: {torch.get_num_threads()} intra-op, {torch.get_num_interop_threads()} inter-op"


class TorchNS:
    @staticmethod
    def sum(a):
        import torch
        return torch.sum(a)

    @staticmethod
    def mean(a):
        import torch
        return torch.mean(a)

    @staticmethod
    def tanh(a):
        import torch
        return torch.tanh(a)

    @staticmethod
    def exp(a):
        import torch
        return torch.exp(a)

    @staticmethod
    def log(a):
        import torch
        return torch.log(a)

    @staticmethod
    def sin(a):
        import torch
        return torch.sin(a)

    @staticmethod
    def logaddexp0(z):
        import torch
        return torch.logaddexp(z, torch.zeros((), dtype=z.dtype))

    @staticmethod
    def rowmax(z):
        import torch
        return torch.amax(z, dim=1, keepdim=True)

    @staticmethod
    def rowsum(z):
        import torch
        return torch.sum(z, dim=1, keepdim=True)


def _parts(p):
    import torch

    d = {k: (torch.from_numpy(v) if isinstance(v, np.ndarray) else v) for k, v in p.data.items()}
    math = bp.MATH[p.name]
    return (lambda x: math(TorchNS, x, d)), torch.from_numpy(p.x.copy()), torch.from_numpy(p.v.copy())


def grad_cases(p):
    import torch

    f, x, _ = _parts(p)

    def value():
        with torch.no_grad():
            return f(x)

    def grad():
        xr = x.detach().requires_grad_(True)
        return torch.autograd.grad(f(xr), xr)[0]

    return {"f": value, "grad": grad}


def jvp_cases(p):
    import torch
    from torch.func import jvp

    f, x, v = _parts(p)

    def value():
        with torch.no_grad():
            return f(x)

    return {"f": value, "jvp": lambda: jvp(f, (x,), (v,))[1]}


def hvp_cases(p):
    import torch
    from torch.func import grad, jvp

    f, x, v = _parts(p)
    g = grad(f)

    def autograd_grad():
        xr = x.detach().requires_grad_(True)
        return torch.autograd.grad(f(xr), xr)[0]

    def double_backward():
        xr = x.detach().requires_grad_(True)
        gx = torch.autograd.grad(f(xr), xr, create_graph=True)[0]
        return torch.autograd.grad(gx @ v, xr)[0]

    return {"grad": autograd_grad,
            "hvp fwd-over-rev": lambda: jvp(g, (x,), (v,))[1],
            "hvp rev-over-rev": double_backward}


def jacobian_cases(p):
    import torch
    from torch.func import jacfwd, jacrev

    f, x, _ = _parts(p)
    jf, jr = jacfwd(f), jacrev(f)

    def value():
        with torch.no_grad():
            return f(x)

    return {"f": value, "jac fwd": lambda: jf(x), "jac rev": lambda: jr(x)}


def to_numpy(out):
    return out.detach().numpy().astype(np.float64)
