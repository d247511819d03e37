"""``nnplug cache``: show or clear the image loaders' disk cache of preprocessed samples."""
from __future__ import annotations

import time
from pathlib import Path

import click

from nnplug.datasets.disk_cache import DiskCache, default_folder, human_size

CACHE_DIR = click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The cache's folder (default: $XDG_CACHE_HOME/nnplug, else ~/.cache/nnplug), as the loaders' --cache-dir.",
)


def _cache(cache_dir: Path | None) -> DiskCache:
    # The size bound is a per-run option of the loaders; showing and clearing do not need it.
    return DiskCache(cache_dir or default_folder(), max_bytes=0)


@click.group(invoke_without_command=True)
@CACHE_DIR
@click.pass_context
def cache(ctx: click.Context, cache_dir: Path | None) -> None:
    """Show the disk cache of preprocessed samples (entries, size, location), or clear it.

    The image data loaders keep each dataset's preprocessed samples there (one entry per dataset
    and preprocessing), so that the next run with the same files and options decodes nothing.
    """
    ctx.obj = cache_dir
    if ctx.invoked_subcommand is None:
        ctx.invoke(show, cache_dir=cache_dir)


@cache.command()
@CACHE_DIR
@click.pass_context
def show(ctx: click.Context, cache_dir: Path | None) -> None:
    """List the entries: dataset, preprocessing, samples, size, last use (least recent first)."""
    disk = _cache(cache_dir or ctx.obj)
    listed = []
    for path in disk.entries():
        try:  # another run may remove an entry meanwhile (its size bound)
            status = path.stat()
        except OSError:
            continue
        listed.append((path, status.st_size, time.strftime("%Y-%m-%d %H:%M", time.localtime(status.st_mtime))))
    click.echo(f"Sample cache: {disk.folder}")
    click.echo(f"{len(listed)} {'entry' if len(listed) == 1 else 'entries'}, {human_size(sum(size for _, size, _ in listed))}")
    for path, size, used in listed:
        about = disk.describe(path)
        if not about:
            click.echo(f"  {path.name}: damaged (rebuilt on next use), {human_size(size)}")
        elif "dataset" not in about:
            click.echo(f"  {path.name}: {about.get('samples', '?')} samples (no description), {human_size(size)}, last used {used}")
        else:
            options = about.get("preprocessing", {})
            chosen = ", ".join(f"{name}={value}" for name, value in options.items() if value) if isinstance(options, dict) else options
            click.echo(f"  {about['dataset']}: {about.get('samples', '?')} samples, {chosen}; {about.get('transforms', '?')}")
            click.echo(f"      {human_size(size)}, last used {used}, {path.name}")


@cache.command()
@CACHE_DIR
@click.pass_context
def clear(ctx: click.Context, cache_dir: Path | None) -> None:
    """Remove every entry (the next run decodes its images again)."""
    disk = _cache(cache_dir or ctx.obj)
    removed = disk.clear()
    click.echo(f"Removed {removed} {'entry' if removed == 1 else 'entries'} from {disk.folder}")
