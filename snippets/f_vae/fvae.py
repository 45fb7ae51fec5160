# %% [markdown]
# # f-VAE: a VAE whose posterior is a conditional flow
#
# The code behind the site's f-VAE article (`docs/posts/f-vae.md`). It trains a VAE and
# an f-VAE (the same encoder followed by affine coupling layers conditioned on the
# data point) with the same Bernoulli decoder on binarised 8×8 digits and a 2-D latent
# space. It checks the coupling flow's log-determinant against the determinant of the
# autograd Jacobian, estimates the held-out ELBO and the importance-weighted bounds
# IWAE(k) with independent draws and Monte Carlo error bars, and compares the two
# posterior families across seeds.

# %%
import gzip
import importlib.util
import itertools
import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy.special import stdtrit
from torch import nn

CLAIMS = {
    "logdet_max_error": {
        "statement": "The largest absolute difference, in float64, between the flow's "
        "log-determinant log|det ∂F_x(u)/∂u| summed from its layers and the log-determinant "
        "of the 2×2 Jacobian that autograd computes, over held-out digits and noise draws.",
        "unit": "nats",
        "reference": "torch.func.jacrev of F_x(u) with respect to u, then slogdet "
        "(Eq. f-vae-coupling-logdet)",
        "format": ".1e",
    },
    "iwae1_max_abs_z": {
        "statement": "The largest |IWAE(1) − ELBO|, in units of its Monte Carlo standard error, "
        "over both models and every seed, each estimate from its own draws: a one-sample IWAE "
        "is the ELBO.",
        "unit": "standard errors",
        "reference": "zero (IWAE(1) and the ELBO have the same expectation, Eq. f-vae-iwae)",
        "format": ".2f",
    },
    "min_iwae_minus_elbo_z": {
        "statement": "The smallest IWAE(k) − ELBO for k ≥ 2, in units of its Monte Carlo "
        "standard error, over both models, every seed and every k, each estimate from its "
        "own draws.",
        "unit": "standard errors",
        "reference": "non-negative in expectation (Eq. f-vae-iwae-monotone)",
        "format": ".1f",
    },
    "min_iwae_step_z": {
        "statement": "The smallest increase IWAE(k') − IWAE(k) between successive k of the "
        "grid, in units of its Monte Carlo standard error, over both models and every seed.",
        "unit": "standard errors",
        "reference": "non-negative in expectation (Eq. f-vae-iwae-monotone)",
        "format": ".2f",
    },
    "min_high_k_step_z": {
        "statement": "The smallest increase from IWAE at the largest k of the grid to the "
        "high-k estimate, in units of its Monte Carlo standard error, over both models and "
        "every seed.",
        "unit": "standard errors",
        "reference": "non-negative in expectation (Eq. f-vae-iwae-monotone)",
        "format": ".2f",
    },
    "max_remaining_fraction": {
        "statement": "The largest fraction of the gap between the ELBO and the high-k estimate "
        "that is still open at the largest k of the grid, over both models and every seed.",
        "unit": None,
        "reference": "the high-k importance-sampled estimate; the fraction falls towards zero "
        "as k grows (Eq. f-vae-iwae-limit)",
        "format": ".3f",
    },
    "vae_gap": {
        "statement": "The held-out gap IWAE(K) − ELBO of the VAE, nats per digit, mean over "
        "seeds: what the amortised Gaussian encoder costs.",
        "unit": "nats per digit",
        "reference": "the high-k estimate IWAE(K) of log p(x) (Eq. f-vae-gap)",
        "format": ".3f",
    },
    "fvae_gap": {
        "statement": "The held-out gap IWAE(K) − ELBO of the f-VAE, nats per digit, mean over "
        "seeds: what the amortised flow encoder costs.",
        "unit": "nats per digit",
        "reference": "the high-k estimate IWAE(K) of log p(x) (Eq. f-vae-gap)",
        "format": ".3f",
    },
    "gap_reduction": {
        "statement": "The VAE's gap minus the f-VAE's gap, mean over seeds (positive: the flow "
        "encoder is on average closer to the exact posterior of its own decoder).",
        "unit": "nats per digit",
        "reference": "the per-seed differences (gap_reduction_per_seed)",
        "format": ".3f",
    },
    "gap_reduction_se": {
        "statement": "The standard error of gap_reduction across seeds.",
        "unit": "nats per digit",
        "reference": "the sample standard deviation of the per-seed differences over √(seeds)",
        "format": ".3f",
    },
    "elbo_difference": {
        "statement": "The held-out ELBO of the f-VAE minus that of the VAE, nats per digit, "
        "mean over seeds.",
        "unit": "nats per digit",
        "reference": "the per-seed differences (elbo_difference_per_seed)",
        "format": ".3f",
    },
    "elbo_difference_se": {
        "statement": "The standard error of elbo_difference across seeds.",
        "unit": "nats per digit",
        "reference": "the sample standard deviation of the per-seed differences over √(seeds)",
        "format": ".3f",
    },
    "loglik_difference": {
        "statement": "The held-out high-k estimate of log p(x) of the f-VAE minus that of the "
        "VAE, nats per digit, mean over seeds: which model fits the digits better.",
        "unit": "nats per digit",
        "reference": "the per-seed differences (loglik_difference_per_seed)",
        "format": ".3f",
    },
    "loglik_difference_se": {
        "statement": "The standard error of loglik_difference across seeds.",
        "unit": "nats per digit",
        "reference": "the sample standard deviation of the per-seed differences over √(seeds)",
        "format": ".3f",
    },
    "vae_loglik": {
        "statement": "The VAE's held-out high-k estimate IWAE(K) of log p(x), nats per digit, "
        "mean over seeds.",
        "unit": "nats per digit",
        "reference": "log p(x) (a lower bound in expectation, Eq. f-vae-iwae)",
        "format": ".2f",
    },
    "fvae_loglik": {
        "statement": "The f-VAE's held-out high-k estimate IWAE(K) of log p(x), nats per digit, "
        "mean over seeds.",
        "unit": "nats per digit",
        "reference": "log p(x) (a lower bound in expectation, Eq. f-vae-iwae)",
        "format": ".2f",
    },
}

PARAMETERS = {
    "n_train": {"statement": "training digits", "format": "d"},
    "n_test": {"statement": "held-out digits", "format": "d"},
    "n_pixels": {"statement": "binary pixels per digit", "format": "d"},
    "n_latent": {"statement": "dimension of the latent space", "format": "d"},
    "n_hidden": {"statement": "hidden units of the encoder and decoder", "format": "d"},
    "n_coupling": {"statement": "affine coupling layers of the f-VAE", "format": "d"},
    "n_steps": {"statement": "Adam steps per model and seed", "format": "d"},
    "learning_rate": {"statement": "Adam learning rate", "format": ".0e"},
    "n_seeds": {"statement": "seeds (initialisation and noise)", "format": "d"},
    "k_grid": {"statement": "numbers of importance samples k", "format": "d"},
    "k_max": {"statement": "largest k of the grid", "format": "d"},
    "k_high": {"statement": "importance samples K of the high-k estimate", "format": "d"},
    "n_draws": {
        "statement": "noise draws per digit behind each ELBO and IWAE(k) estimate",
        "format": "d",
    },
    "n_logdet_checks": {
        "statement": "(digit, noise) pairs in the log-determinant check",
        "format": "d",
    },
    "vae_gap_mc_se": {
        "statement": "Monte Carlo standard error of vae_gap (conservative: across digits)",
        "format": ".3f",
    },
    "fvae_gap_mc_se": {
        "statement": "Monte Carlo standard error of fvae_gap (conservative: across digits)",
        "format": ".3f",
    },
    "vae_gap_per_seed": {"statement": "the VAE's held-out gap, per seed", "format": ".3f"},
    "fvae_gap_per_seed": {"statement": "the f-VAE's held-out gap, per seed", "format": ".3f"},
    "vae_elbo_per_seed": {"statement": "the VAE's held-out ELBO, per seed", "format": ".2f"},
    "fvae_elbo_per_seed": {"statement": "the f-VAE's held-out ELBO, per seed", "format": ".2f"},
    "vae_loglik_per_seed": {"statement": "the VAE's held-out IWAE(K), per seed", "format": ".2f"},
    "fvae_loglik_per_seed": {
        "statement": "the f-VAE's held-out IWAE(K), per seed",
        "format": ".2f",
    },
    "gap_reduction_per_seed": {"statement": "VAE gap minus f-VAE gap, per seed", "format": ".3f"},
    "elbo_difference_per_seed": {
        "statement": "f-VAE ELBO minus VAE ELBO, per seed",
        "format": ".3f",
    },
    "loglik_difference_per_seed": {
        "statement": "f-VAE IWAE(K) minus VAE IWAE(K), per seed",
        "format": ".3f",
    },
    "gap_reduction_t": {
        "statement": "gap_reduction divided by gap_reduction_se (a t-ratio across seeds)",
        "format": ".2f",
    },
    "elbo_difference_t": {
        "statement": "elbo_difference divided by elbo_difference_se (a t-ratio across seeds)",
        "format": ".2f",
    },
    "loglik_difference_t": {
        "statement": "loglik_difference divided by loglik_difference_se (a t-ratio across seeds)",
        "format": ".2f",
    },
    "t_critical": {
        "statement": "97.5% quantile of Student's t with n_seeds - 1 degrees of freedom: the "
        "t-ratio a difference across seeds must exceed in a two-sided test at the 5% level",
        "format": ".2f",
    },
    "vae_params": {"statement": "trainable parameters of the VAE", "format": "d"},
    "fvae_params": {"statement": "trainable parameters of the f-VAE", "format": "d"},
}

N_TRAIN, N_TEST = 300, 100
N_LATENT, N_HIDDEN, N_CONTEXT, N_COUPLING = 2, 32, 16, 2
N_STEPS, LEARNING_RATE = 200, 2e-2
SEEDS = (0, 1, 2)
K_GRID = (1, 2, 4, 8, 16, 32, 64)
K_HIGH = 1024
N_DRAWS = 128  # noise draws per digit for each estimate: n_draws / k replicates of IWAE(k)
N_LOGDET_CHECKS = 20
GRID_HALF_WIDTH, GRID_POINTS, N_FIGURE_SAMPLES = 3.5, 141, 300


# %% [markdown]
# ## Data: binarised 8×8 digits
#
# Pixels of scikit-learn's digits take values 0 to 16; a pixel is "on" when it is
# above 8, so each digit is a vector of 64 bits and the decoder's Bernoulli likelihood is
# a proper probability mass function.


# %%
def digit_images():
    """scikit-learn's bundled 8×8 digits (1797 × 64 values 0..16), read from the CSV file
    that ships with it; importing sklearn.datasets would cost more than the training."""
    root = Path(importlib.util.find_spec("sklearn").submodule_search_locations[0])
    with gzip.open(root / "datasets" / "data" / "digits.csv.gz", "rt") as handle:
        table = np.loadtxt(handle, delimiter=",")
    return table[:, :-1]  # the last column is the label


def load_binary_digits():
    """Fixed train/test split of binarised digits (float32 tensors of 0s and 1s)."""
    images = digit_images()
    order = np.random.default_rng(12345).permutation(len(images))
    x = torch.tensor((images[order] > 8).astype(np.float32))
    return x[:N_TRAIN], x[N_TRAIN : N_TRAIN + N_TEST]


# %% [markdown]
# ## The model: Bernoulli decoder, Gaussian base, conditional coupling layers


# %%
# --8<-- [start:flow]
class CouplingLayer(nn.Module):
    """Affine coupling on a 2-D z: coordinate b moves, coordinate a = 1 - b conditions.

    y_a = u_a,  y_b = u_b exp(s) + t,  with (s, t) = net(u_a, c(x)).  Eq. (f-vae-coupling).
    """

    def __init__(self, b, n_context, n_hidden):
        super().__init__()
        self.a, self.b = 1 - b, b
        self.w_in = nn.Parameter(torch.randn(n_hidden))
        self.ctx = nn.Linear(n_context, n_hidden)
        self.out = nn.Linear(n_hidden, 2)
        nn.init.zeros_(self.out.weight)  # start at the identity map
        nn.init.zeros_(self.out.bias)

    def forward(self, u, context):
        """u: (S, B, 2) noise or its image; context: (B, n_context) features c(x).

        Returns y and the layer's log|det|, sum of s (one value here), shape (S, B)."""
        u_a, u_b = u[..., self.a], u[..., self.b]
        hidden = torch.tanh(u_a[..., None] * self.w_in + self.ctx(context))
        s_raw, t = self.out(hidden).unbind(-1)
        s = torch.tanh(s_raw)  # bounded log-scale keeps the map well conditioned
        y_b = u_b * torch.exp(s) + t
        y = torch.stack((u_a, y_b) if self.b == 1 else (y_b, u_a), dim=-1)
        return y, s


class Encoder(nn.Module):
    """F_x(u) = coupling layers applied to mu(x) + sigma(x) * u.  Eq. (f-vae-flow)."""

    def __init__(self, n_pixels, n_coupling):
        super().__init__()
        self.body = nn.Linear(n_pixels, N_HIDDEN)
        self.mean = nn.Linear(N_HIDDEN, N_LATENT)
        self.log_sigma = nn.Linear(N_HIDDEN, N_LATENT)
        self.context = nn.Linear(N_HIDDEN, N_CONTEXT)
        self.layers = nn.ModuleList(
            CouplingLayer(1 - i % 2, N_CONTEXT, N_HIDDEN) for i in range(n_coupling)
        )

    def forward(self, x, u):
        """x: (B, D); u: (S, B, 2) noise. Returns z = F_x(u) and log|det ∂F_x(u)/∂u|."""
        h = torch.tanh(self.body(x))
        log_sigma = self.log_sigma(h)
        z = self.mean(h) + torch.exp(log_sigma) * u  # the VAE's encoder: Eq. (f-vae-reparam)
        log_det = log_sigma.sum(-1).expand(z.shape[:-1])
        context = torch.tanh(self.context(h))  # c(x), shared by every draw of u
        for layer in self.layers:
            z, s = layer(z, context)
            log_det = log_det + s  # Jacobians multiply, log-determinants add
        return z, log_det


# --8<-- [end:flow]


class Decoder(nn.Module):
    """Bernoulli logits of the 64 pixels given z."""

    def __init__(self, n_pixels):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(N_LATENT, N_HIDDEN), nn.Tanh(), nn.Linear(N_HIDDEN, n_pixels)
        )

    def forward(self, z):
        return self.net(z)


# %% [markdown]
# ## The log-weight and the two bounds


# %%
# --8<-- [start:bounds]
LOG_2PI = math.log(2 * math.pi)


def log_standard_normal(v):
    return -0.5 * (v * v).sum(-1) - 0.5 * v.shape[-1] * LOG_2PI


def log_weights(encoder, decoder, x, u):
    """Eq. (f-vae-log-weight): log p(x | z) + log p(z) - log q(z | x) at z = F_x(u),
    with log q(z | x) = log N(u) - log|det ∂F_x(u)/∂u| (Eq. f-vae-change). Shape (S, B)."""
    z, log_det = encoder(x, u)
    logits = decoder(z)
    log_px_given_z = -nn.functional.binary_cross_entropy_with_logits(
        logits, x.expand_as(logits), reduction="none"
    ).sum(-1)
    return log_px_given_z + log_standard_normal(z) - log_standard_normal(u) + log_det


def iwae(log_w):
    """Eq. (f-vae-iwae): log (1/k) sum_i w_i over the first axis (k = its length)."""
    return torch.logsumexp(log_w, dim=0) - math.log(log_w.shape[0])


# --8<-- [end:bounds]


# %% [markdown]
# ## Training: maximise the single-draw ELBO with Adam


# %%
# --8<-- [start:train]
def train(x_train, n_coupling, seed):
    """Fit encoder and decoder by Adam on the one-draw reparameterised ELBO (full batch)."""
    torch.manual_seed(seed)
    encoder, decoder = Encoder(x_train.shape[1], n_coupling), Decoder(x_train.shape[1])
    params = [*encoder.parameters(), *decoder.parameters()]
    optimiser = torch.optim.Adam(params, lr=LEARNING_RATE, fused=True)
    for _ in range(N_STEPS):
        u = torch.randn(1, *x_train.shape[:-1], N_LATENT)  # fresh noise each step
        loss = -log_weights(encoder, decoder, x_train, u).mean()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return encoder, decoder


# --8<-- [end:train]


def n_parameters(*modules):
    return sum(p.numel() for m in modules for p in m.parameters())


# %% [markdown]
# ## Held-out estimates with independent draws
#
# For each digit, the ELBO is the mean of `n_draws` log-weights; IWAE(k) is the mean of
# `n_draws / k` independent k-sample bounds; the high-k estimate uses K fresh draws. Each
# estimate has its own noise, so differences between them are honest Monte Carlo
# comparisons.


# %%
# --8<-- [start:estimates]
@torch.no_grad()
def per_digit_estimates(encoder, decoder, x, generator):
    """ELBO, IWAE(k) for k in K_GRID, and IWAE(K_HIGH), one value per digit each."""

    def draws(n):
        return torch.randn(n, *x.shape[:-1], N_LATENT, generator=generator)

    log_w = log_weights(encoder, decoder, x, draws(N_DRAWS))
    out = {"elbo": log_w.mean(0), "elbo_var": log_w.var(0) / N_DRAWS}
    for k in K_GRID:
        log_w = log_weights(encoder, decoder, x, draws(N_DRAWS))  # (n_draws, B)
        replicates = iwae(log_w.reshape(N_DRAWS // k, k, -1).transpose(0, 1))  # (reps, B)
        out[f"iwae{k}"] = replicates.mean(0)
        out[f"iwae{k}_var"] = replicates.var(0) / replicates.shape[0]  # of the mean
    log_w = torch.cat([log_weights(encoder, decoder, x, draws(256)) for _ in range(K_HIGH // 256)])
    out["iwae_high"] = iwae(log_w)
    return {key: value.double().numpy() for key, value in out.items()}


def paired(a, b):
    """Mean of b - a over digits and its standard error across digits.

    The digits are fixed, so the only randomness is the noise; the spread across digits
    also contains the digit-to-digit variation of the true difference, so this standard
    error over-states the Monte Carlo error and the z-scores below are conservative."""
    d = b - a
    return float(d.mean()), float(d.std(ddof=1) / math.sqrt(len(d)))


# --8<-- [end:estimates]


# %% [markdown]
# ## Checking the log-determinant against autograd's Jacobian


# %%
# --8<-- [start:logdet_check]
def logdet_errors(encoder, x, u):
    """|sum-of-layers log det - log|det J|| for each (x, u) pair, in float64, where J is
    the 2 x 2 Jacobian of u -> F_x(u) that automatic differentiation computes."""
    encoder = encoder.double()

    def flow(v, x_i):
        return encoder(x_i[None], v[None, None])[0][0, 0]

    def layers_log_det(v, x_i):
        return encoder(x_i[None], v[None, None])[1][0, 0]

    x, u = x.double(), u.double()
    jacobians = torch.func.vmap(torch.func.jacrev(flow))(u, x)  # (n, 2, 2)
    _, log_abs_det = torch.linalg.slogdet(jacobians)
    ours = torch.func.vmap(layers_log_det)(u, x)
    encoder.float()
    return (ours - log_abs_det).abs().detach().tolist()


# --8<-- [end:logdet_check]


# %% [markdown]
# ## Exact posterior on a grid, for the figure


# %%
@torch.no_grad()
def log_joint_grid(decoder, x, grid):
    """log p(x | z) + log p(z) for every z of a (G, 2) grid: (G,)."""
    logits = decoder(grid)
    return -nn.functional.binary_cross_entropy_with_logits(
        logits, x.expand_as(logits), reduction="none"
    ).sum(-1) + log_standard_normal(grid)


# %% [markdown]
# ## The experiment


# %%
def mc_error(variances):
    """Monte Carlo standard error of a mean over fixed digits: sqrt(sum_n var_n) / N."""
    return float(np.sqrt(variances.sum()) / len(variances))


def summarise(values):
    values = np.asarray(values, dtype=float)
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(len(values)))


def run():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    x_train, x_test = load_binary_digits()
    models = {"vae": 0, "fvae": N_COUPLING}
    per_seed = {name: [] for name in models}
    logdet_error = []
    trained = {}
    for seed in SEEDS:
        for name, n_coupling in models.items():
            encoder, decoder = train(x_train, n_coupling, seed)
            trained[name, seed] = (encoder, decoder)
            generator = torch.Generator().manual_seed(1000 + seed)
            per_seed[name].append(per_digit_estimates(encoder, decoder, x_test, generator))
            if name == "fvae":
                u = torch.randn(N_LOGDET_CHECKS, N_LATENT, generator=generator)
                rows = torch.arange(N_LOGDET_CHECKS) % len(x_test)
                logdet_error += logdet_errors(encoder, x_test[rows], u)

    results = {
        "n_train": N_TRAIN,
        "n_test": N_TEST,
        "n_pixels": int(x_train.shape[1]),
        "n_latent": N_LATENT,
        "n_hidden": N_HIDDEN,
        "n_coupling": N_COUPLING,
        "n_steps": N_STEPS,
        "learning_rate": LEARNING_RATE,
        "n_seeds": len(SEEDS),
        "k_grid": list(K_GRID),
        "k_max": K_GRID[-1],
        "k_high": K_HIGH,
        "n_draws": N_DRAWS,
        "n_logdet_checks": N_LOGDET_CHECKS * len(SEEDS),
        "vae_params": n_parameters(*trained["vae", 0]),
        "fvae_params": n_parameters(*trained["fvae", 0]),
        "logdet_max_error": float(max(logdet_error)),
    }

    z_iwae1, z_iwae_elbo, z_steps, z_high, remaining = [], [], [], [], []
    curves, gap_mc_se = {}, {name: [] for name in models}
    for name in models:
        curves[name] = []
        for est in per_seed[name]:
            keys = [f"iwae{k}" for k in K_GRID]
            mean, se = paired(est["elbo"], est["iwae1"])
            z_iwae1.append(mean / se)
            for key in keys[1:]:
                mean, se = paired(est["elbo"], est[key])
                z_iwae_elbo.append(mean / se)
            for a, b in itertools.pairwise(keys):
                mean, se = paired(est[a], est[b])
                z_steps.append(mean / se)
            mean, se = paired(est[keys[-1]], est["iwae_high"])
            z_high.append(mean / se)
            full, full_se = paired(est["elbo"], est["iwae_high"])
            remaining.append(mean / full)
            gap_mc_se[name].append(full_se)
            # IWAE(k) on the grid with its Monte Carlo error, for the figure
            curves[name].append([[float(est[k].mean()), mc_error(est[f"{k}_var"])] for k in keys])
    results.update(
        iwae1_max_abs_z=float(np.max(np.abs(z_iwae1))),
        min_iwae_minus_elbo_z=float(min(z_iwae_elbo)),
        min_iwae_step_z=float(min(z_steps)),
        min_high_k_step_z=float(min(z_high)),
        max_remaining_fraction=float(max(remaining)),
        vae_iwae_curves=curves["vae"],
        fvae_iwae_curves=curves["fvae"],
    )

    def per_seed_mean(name, key):
        return [float(est[key].mean()) for est in per_seed[name]]

    gap = {
        name: [
            h - e
            for h, e in zip(
                per_seed_mean(name, "iwae_high"), per_seed_mean(name, "elbo"), strict=True
            )
        ]
        for name in models
    }
    for name in models:
        results[f"{name}_gap"] = summarise(gap[name])[0]
        results[f"{name}_gap_per_seed"] = gap[name]
        # Monte Carlo error of the mean over seeds (conservative, see `paired`)
        results[f"{name}_gap_mc_se"] = float(
            np.sqrt(np.sum(np.square(gap_mc_se[name]))) / len(SEEDS)
        )
        results[f"{name}_loglik"] = summarise(per_seed_mean(name, "iwae_high"))[0]
        results[f"{name}_elbo_per_seed"] = per_seed_mean(name, "elbo")
        results[f"{name}_loglik_per_seed"] = per_seed_mean(name, "iwae_high")
    differences = {
        "gap_reduction": [v - f for v, f in zip(gap["vae"], gap["fvae"], strict=True)],
        "elbo_difference": [
            f - v
            for v, f in zip(
                per_seed_mean("vae", "elbo"), per_seed_mean("fvae", "elbo"), strict=True
            )
        ],
        "loglik_difference": [
            f - v
            for v, f in zip(
                per_seed_mean("vae", "iwae_high"), per_seed_mean("fvae", "iwae_high"), strict=True
            )
        ],
    }
    for key, values in differences.items():
        results[key], results[f"{key}_se"] = summarise(values)
        results[f"{key}_per_seed"] = values
        results[f"{key}_t"] = results[key] / results[f"{key}_se"]
    results["t_critical"] = float(stdtrit(len(SEEDS) - 1, 0.975))

    # Posterior shapes on seed 0: the held-out digit with the median VAE gap and the two
    # with the largest VAE gap.
    vae_gap_per_digit = per_seed["vae"][0]["iwae_high"] - per_seed["vae"][0]["elbo"]
    order = np.argsort(vae_gap_per_digit)
    shown = [int(order[len(order) // 2]), int(order[-1]), int(order[-2])]
    generator = torch.Generator().manual_seed(7)
    axis = torch.linspace(-GRID_HALF_WIDTH, GRID_HALF_WIDTH, GRID_POINTS)
    grid = torch.stack(torch.meshgrid(axis, axis, indexing="xy"), -1).reshape(-1, 2)
    results.update(posterior_images=x_test[shown].tolist(), posterior_axis=axis.tolist())
    for name in models:
        encoder, decoder = trained[name, 0]
        panels = {"log_joint": [], "samples": [], "gap": []}
        for i in shown:
            with torch.no_grad():
                u = torch.randn(N_FIGURE_SAMPLES, 1, N_LATENT, generator=generator)
                z = encoder(x_test[i : i + 1], u)[0][:, 0]
            log_joint = log_joint_grid(decoder, x_test[i : i + 1], grid)
            gap = float(per_seed[name][0]["iwae_high"][i] - per_seed[name][0]["elbo"][i])
            panels["log_joint"].append(log_joint.reshape(GRID_POINTS, GRID_POINTS).tolist())
            panels["samples"].append(z.tolist())
            panels["gap"].append(gap)
        for key, value in panels.items():
            results[f"{name}_posterior_{key}"] = value
    return results


# %% [markdown]
# ## Figures


# %%
def draw_posteriors(results):
    names = {"vae": "VAE", "fvae": "f-VAE"}
    axis = np.array(results["posterior_axis"])
    figure, axes = plt.subplots(2, 3, figsize=(7.5, 5.6), facecolor="white")
    for row, name in enumerate(names):
        for col in range(3):
            ax = axes[row, col]
            log_joint = np.array(results[f"{name}_posterior_log_joint"][col])
            density = np.exp(log_joint - log_joint.max())
            ax.contourf(axis, axis, density, levels=[0.01, 0.05, 0.2, 0.5, 1.0], cmap="Greys")
            samples = np.array(results[f"{name}_posterior_samples"][col])
            ax.scatter(
                *samples.T,
                s=1.5,
                color="C1",
                alpha=0.7,
                rasterized=False,
                label="samples of q(z | x)",
            )
            # the window: the exact posterior's visible region and the samples together
            inside = np.argwhere(density >= 0.01)
            lo = np.minimum(axis[inside.min(0)][::-1], samples.min(0))
            hi = np.maximum(axis[inside.max(0)][::-1], samples.max(0))
            centre, half = (lo + hi) / 2, max(hi - lo) / 2 + 0.2
            ax.set_xlim(centre[0] - half, centre[0] + half)
            ax.set_ylim(centre[1] - half, centre[1] + half)
            ax.set_aspect("equal")
            ax.set_xlabel("$z_1$")
            ax.set_ylabel("$z_2$")
            ax.tick_params(labelsize="small")
            ax.text(
                0.98,
                0.03,
                f"gap {results[f'{name}_posterior_gap'][col]:.2f} nats",
                transform=ax.transAxes,
                ha="right",
                fontsize="small",
            )
            if col == 0:
                ax.set_title(names[name], loc="left", fontsize="medium")
            inset = ax.inset_axes([0.0, 0.72, 0.28, 0.28])
            inset.imshow(np.array(results["posterior_images"][col]).reshape(8, 8), cmap="Greys")
            inset.set_xticks([])
            inset.set_yticks([])
    handles, labels = axes[0, 0].get_legend_handles_labels()
    figure.legend(
        [*handles, plt.Rectangle((0, 0), 1, 1, color="0.4")],
        [*labels, "exact posterior p(z | x), shaded at 1%, 5%, 20%, 50% of its peak"],
        loc="lower center",
        ncol=2,
        fontsize="small",
        markerscale=4,
        frameon=False,
    )
    figure.tight_layout(rect=(0, 0.06, 1, 1))
    return figure


def draw_iwae(results):
    figure, ax = plt.subplots(figsize=(6.5, 4.2), facecolor="white")
    ks = np.array(results["k_grid"])
    for offset, colour, (name, label) in zip(
        [0.97, 1.03], ["C0", "C1"], [("vae", "VAE"), ("fvae", "f-VAE")], strict=True
    ):
        for s, curve in enumerate(results[f"{name}_iwae_curves"]):
            mean, error = np.array(curve).T
            ax.errorbar(
                ks * offset,
                mean,
                yerr=2 * error,
                fmt="o-",
                color=colour,
                ms=3,
                lw=1,
                capsize=2,
                label=f"{label}: IWAE(k), one line per seed" if s == 0 else None,
            )
            ax.axhline(
                results[f"{name}_loglik_per_seed"][s],
                color=colour,
                ls=":",
                lw=1,
                label=f"{label}: IWAE(K), K = {results['k_high']}" if s == 0 else None,
            )
    ax.set_xscale("log", base=2)
    ax.set_xlabel("importance samples k (k = 1 is the ELBO)")
    ax.set_ylabel("held-out bound (nats per digit)")
    ax.legend(fontsize="small", loc="lower right")
    figure.tight_layout()
    return figure


def draw_figures(results):
    return {"posteriors": draw_posteriors(results), "iwae_curves": draw_iwae(results)}


# %%
if __name__ == "__main__":
    results = run()
    figures = draw_figures(results)
    for name in [*PARAMETERS, *CLAIMS]:
        print(f"{name:>28} = {results[name]}")
