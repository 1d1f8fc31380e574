"""The content-addressed blob store never exposes a partial file."""

import io

import pytest

from portal.blobs import BlobStore, BlobTooLarge


def files_under(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_stored_file_is_found_by_its_sha256(tmp_path):
    store = BlobStore(tmp_path)
    blob = store.put(io.BytesIO("学校,人数\n".encode()))
    assert store.open(blob.sha256).read() == "学校,人数\n".encode()
    assert blob.size == len("学校,人数\n".encode())
    assert files_under(tmp_path) == [f"{blob.sha256[:2]}/{blob.sha256[2:4]}/{blob.sha256}"]


def test_identical_uploads_share_one_blob(tmp_path):
    store = BlobStore(tmp_path)
    a = store.put(io.BytesIO(b"same"))
    b = store.put(io.BytesIO(b"same"))
    assert a == b
    assert len(files_under(tmp_path)) == 1


def test_too_large_upload_leaves_nothing_behind(tmp_path):
    store = BlobStore(tmp_path)
    with pytest.raises(BlobTooLarge):
        store.put(io.BytesIO(b"x" * 5000), max_bytes=1000)
    assert files_under(tmp_path) == []


class BrokenStream(io.RawIOBase):
    """A client that disconnects half-way through an upload."""

    def __init__(self) -> None:
        self.calls = 0

    def read(self, size: int = -1) -> bytes:
        self.calls += 1
        if self.calls > 2:
            raise ConnectionResetError("client went away")
        return b"y" * 1024


def test_interrupted_upload_leaves_no_file(tmp_path):
    store = BlobStore(tmp_path)
    with pytest.raises(ConnectionResetError):
        store.put(BrokenStream())
    assert files_under(tmp_path) == []
