"""What an experiment is made of: the trainer's own options and the selected plugins.

The trainer's options are declared like a plugin's, as constructor arguments of
:class:`ExperimentOptions` (per experiment) and :class:`GlobalOptions` (for the whole command),
so the command line, ``--help`` and saved configurations come from one place.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from nnplug.errors import NnplugError



#: the largest seed: numpy's legacy generators and torch both take 0..2**32-1.
MAX_SEED = 2**32 - 1
#: the most math threads a trial may ask for (BLAS builds cap theirs lower; torch would start them all).
MAX_THREADS = 1024


class GlobalOptions:
    """Options of the whole command (they may appear anywhere, they apply to every experiment)."""

    def __init__(
        self,
        debug: bool = False,
        runs_dir: Path = Path("runs"),
        display_graphs: bool = False,
        list_plugins: bool = False,
        executor: str = "sequential",
        config: Path | None = None,
    ) -> None:
        """
        Args:
            debug: show tracebacks and debug logs (inputs, outputs, parameter summaries).
            runs_dir: where each invocation writes its run directory (configuration, metrics, plots).
            display_graphs: open live plot windows while training (needs a display).
            list_plugins: list the installed plugins and exit.
            executor: where trials (experiment repeats) run: sequential (here, one after the other), processes (local worker processes), ray (a Ray cluster; nnplug-ray); see the executor options.
            config: run the experiments of this file again: a run's run.json or a TOML file of the same shape (options given after it override the file's).
        """
        self.debug = debug
        self.runs_dir = runs_dir
        self.display_graphs = display_graphs
        self.list_plugins = list_plugins
        self.executor = executor
        self.config = config


class ExperimentOptions:
    """Options of one experiment (each ``--experiment`` starts a new set, from the defaults)."""

    def __init__(
        self,
        exp_id: str = "",
        data_loader: str = "Vips",
        model: str = "OneLayer",
        optimizer: str = "",
        loss: str = "",
        metric: str = "",
        accuracy: str = "",
        nbr_epochs: int = 100,
        training_times: int = 1,
        repeat_seeds: Literal["model", "dataset", "both"] = "model",
        model_seed: int = 0,
        dataset_seed: int = 0,
        eval_dev: bool = True,
        gradient_checks: Literal["off", "warning", "exception", "pdb"] = "exception",
        gradient_checks_interval: int = 25,
        gradient_checks_samples: int = 2,
        instability_checks: Literal["off", "warning", "exception", "pdb"] = "warning",
        early_stopping_patience: int = 10,
        early_stopping_action: Literal["mark", "stop"] = "mark",
        profiling: bool = False,
        dump_minibatches: bool = False,
        track_layer: list[str] = [],
        display_samples: int = 0,
        save_model: Path | None = None,
        load_model: Path | None = None,
        save_best: bool = True,
        threads_per_trial: int = 0,
    ) -> None:
        """
        Args:
            exp_id: name of the experiment in outputs (default: exp1, exp2...; duplicates get _1, _2).
            data_loader: the data loader plugin.
            model: the model plugin.
            optimizer: the optimizer plugin (default: the model's engine's for the data loader's task).
            loss: the loss plugin (default: the model's engine's for the data loader's task).
            metric: the metric plugin (accuracy, R²...) scored on every partition (default: the model's engine's for the task).
            accuracy: older name of --metric (when given, it selects the metric).
            nbr_epochs: number of epochs to train.
            training_times: how many times to train the experiment, each repeat with derived seeds.
            repeat_seeds: which seeds change between repeats: model (initialization; data fixed), dataset (partitions and shuffling; model fixed) or both.
            model_seed: seed of parameter initialization and dropout.
            dataset_seed: seed of partitioning, shuffling and augmentation.
            eval_dev: evaluate the dev partition at the start of every epoch.
            gradient_checks: compare analytic gradients with finite differences: off, warning, exception or pdb (debugger).
            gradient_checks_interval: check gradients every that many epochs (from the first).
            gradient_checks_samples: entries checked per parameter tensor.
            instability_checks: watch activations, gradients and cost for NaN/Inf: off, warning, exception or pdb.
            early_stopping_patience: epochs without dev cost improvement before early stopping triggers (0: never).
            early_stopping_action: at early stopping, mark it on the plots and go on, or stop and restore the best-on-dev parameters.
            profiling: time every phase and layer; write a per-layer report and a cProfile dump.
            dump_minibatches: write every sample of every minibatch as PNG under minibatches/.
            track_layer: NAME,UNITS: plot the evolution of UNITS units of parameter NAME (repeatable).
            display_samples: plot that many sample inputs per experiment.
            save_model: write the trained model's checkpoint there at the end (a NAME.safetensors file; repeat k>0 adds -repeatK).
            load_model: start from this checkpoint (a .safetensors file) instead of a fresh initialization (its weights, and
                the optimizer state saved with them when the same optimizer plugin trains on).
            save_best: keep the best-on-dev parameters of every repeat in <run>/checkpoints/ (one file per repeat, as large as the parameters plus the optimizer state: Adam triples it: 87 MB for NLayers with Adam on the 110x110 colors); false writes none.
            threads_per_trial: math-library threads of each repeat (BLAS, OpenMP, torch); 0: the sequential executor keeps this process's (every core unless OMP_NUM_THREADS or the like says otherwise), the parallel ones give one (a trial per core). A repeat's numbers depend on it (matrix products round differently with 1 and 2 threads): run.json records the number used, and the same number gives the same numbers on every executor and machine.
        """
        self.exp_id = exp_id
        self.data_loader = data_loader
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
        if accuracy and metric and accuracy != metric:
            raise NnplugError(f"--accuracy={accuracy} and --metric={metric} disagree: --accuracy is the older name of --metric, give one")
        self.metric = accuracy or metric
        self.accuracy = accuracy
        self.nbr_epochs = nbr_epochs
        self.training_times = training_times
        self.repeat_seeds = repeat_seeds
        self.model_seed = model_seed
        self.dataset_seed = dataset_seed
        self.eval_dev = eval_dev
        self.gradient_checks = gradient_checks
        self.gradient_checks_interval = gradient_checks_interval
        self.gradient_checks_samples = gradient_checks_samples
        self.instability_checks = instability_checks
        self.early_stopping_patience = early_stopping_patience
        self.early_stopping_action = early_stopping_action
        self.profiling = profiling
        self.dump_minibatches = dump_minibatches
        self.track_layer = list(track_layer)
        self.display_samples = display_samples
        self.save_model = save_model
        self.load_model = load_model
        self.save_best = save_best
        self.threads_per_trial = threads_per_trial
        self.validate()

    def validate(self) -> None:
        """Refuse values that make no sense, with one line naming the option."""
        for flag, seed in (("--model-seed", self.model_seed), ("--dataset-seed", self.dataset_seed)):
            if not 0 <= seed <= MAX_SEED:  # every engine's generator takes 0..2**32-1
                raise NnplugError(f"{flag} must be between 0 and {MAX_SEED}, got {seed}")
        if self.nbr_epochs <= 0:
            raise NnplugError(f"--nbr-epochs must be a positive integer, got {self.nbr_epochs}")
        if self.training_times <= 0:
            raise NnplugError(f"--training-times must be a positive integer, got {self.training_times}")
        if not 0 <= self.threads_per_trial <= MAX_THREADS:
            raise NnplugError(f"--threads-per-trial must be between 0 (the executor's choice) and {MAX_THREADS}, got {self.threads_per_trial}")
        if self.gradient_checks_interval <= 0:
            raise NnplugError(f"--gradient-checks-interval must be positive, got {self.gradient_checks_interval}")
        if self.gradient_checks_samples <= 0:
            raise NnplugError(f"--gradient-checks-samples must be positive, got {self.gradient_checks_samples}")
        if self.early_stopping_patience < 0:
            raise NnplugError(f"--early-stopping-patience must be 0 or more, got {self.early_stopping_patience}")
        if self.display_samples < 0:
            raise NnplugError(f"--display-samples must be 0 or more, got {self.display_samples}")
        if self.save_model is not None:
            from nnplug.checkpoints.format import check_checkpoint_name

            check_checkpoint_name(self.save_model, "--save-model")
        if self.load_model is not None:
            from nnplug.checkpoints.format import check_model, read_checkpoint_config

            check_model(self.load_model, read_checkpoint_config(self.load_model), self.model)
        for spec in self.track_layer:
            name, _, units = spec.partition(",")
            if not name or not units.strip().isdigit() or int(units) <= 0:
                raise NnplugError(f"--track-layer expects NAME,UNITS (e.g. L0_Dense_W,8), got {spec!r}")

    def as_dict(self) -> dict[str, Any]:
        """Every option with its value (JSON-ready: paths as text)."""
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(self).items()}


#: Plugin kinds in the order they are built and reported, with the ExperimentOptions field selecting each.
PLUGIN_SLOTS: tuple[str, ...] = ("data_loader", "model", "optimizer", "loss", "metric")


@dataclass
class Experiment:
    """One experiment as resolved from the command line: its options and each plugin's options.

    Attributes:
        options: the trainer's options of this experiment.
        plugin_options: for each kind, the options given to the selected plugin (defaults omitted).
        index: position in the command (0-based).
    """

    options: ExperimentOptions
    plugin_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    index: int = 0

    @property
    def exp_id(self) -> str:
        """The experiment's unique name."""
        return self.options.exp_id

    def plugin_name(self, kind: str) -> str:
        """The plugin selected for ``kind``."""
        return getattr(self.options, kind)
