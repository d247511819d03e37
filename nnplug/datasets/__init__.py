"""The image data pipeline's backend-agnostic layers, stacked by :class:`ImageDataLoader`.

Each module holds one small layer, used in this order (see ``RUBY_REFERENCE.md``):

1. :mod:`~nnplug.datasets.labeled_files` lists ``<datasets-path>/<dataset>/<class>/<file>`` (videos
   are sliced by :mod:`~nnplug.datasets.video`), :mod:`~nnplug.datasets.index_filter` keeps
   ``--filter-dataset``;
2. :mod:`~nnplug.datasets.sample_cache` preprocesses every sample once (both cores) through a
   backend's :class:`~nnplug.datasets.image_transforms.ImageTransforms`, following
   :class:`~nnplug.datasets.preprocessing.Preprocessing`, and keeps the results in memory and, through
   :mod:`~nnplug.datasets.disk_cache`, on disk for the next run;
3. :mod:`~nnplug.datasets.partitioner` splits per class (seeded); :mod:`~nnplug.datasets.clone`
   repeats training samples; :class:`~nnplug.datasets.augmentation.Augmentation` rotates and adds
   noise to training samples every epoch;
4. :mod:`~nnplug.datasets.shuffler` orders training per epoch, :mod:`~nnplug.datasets.minibatches`
   cuts it, :mod:`~nnplug.datasets.one_hot` encodes labels; :mod:`~nnplug.datasets.summary` prints
   the table of samples per label and partition.

:class:`~nnplug.datasets.image_loader.ImageDataLoader` holds the options and stacks the layers;
backend plugins subclass it and only provide their transforms.

Importing this package imports no imaging backend (pyvips, Wand) and no PyAV.
"""
