"""Image sets of TensorFlow Datasets, read by random access without TensorFlow.

``tfds:<name>`` reads the split through ``builder.as_data_source``, TFDS's random-access reader
of array_record files, one record at a time. That reader needs neither TensorFlow nor the
network, but it needs the data prepared in array_record format once (``tfds build <name>
--file_format=array_record``, which does need TensorFlow). ``tfds.data_source`` is avoided on
purpose: it tries to download and prepare.

Images are the ``image`` feature (uint8 ``[height, width, channels]``), labels the ``label``
feature where there is one, and ``attributes`` (when named) the 0/1 vector of the named
booleans of the ``attributes`` feature (celeb_a's 40 facial attributes, e.g. ``Male``), and
``landmarks`` (when named) the named points of the ``landmarks`` feature (celeb_a's eyes, nose
and mouth corners, stored as ``<point>_x``, ``<point>_y``) as (row, column) in the returned
image's pixels, after the crop and the resize.
With ``image_size`` different from the stored size, each image is center-cropped to a square
and resized bilinearly (celeb_a: 218x178 -> 178x178 -> 64x64).

TFDS is imported only when a ``tfds:`` set is loaded: its import is slow.
"""

import numpy as np

from jaxgen.data import formats
from jaxgen.data.dataset import check_count
from jaxgen.data.finite import finite_dataset
from jaxgen.data.resize import center_crop, resize
from jaxgen.errors import UserError, closest

PREFIX = "tfds:"
MAX_VALUE = 255
# Sets whose uint8 images hold other ranges than 0..255: binarized_mnist stores the fixed
# binarization of Larochelle & Murray (2011) as 0/1, which a threshold at 127.5 would erase.
MAX_VALUES = {"binarized_mnist": 1}


def max_value(name: str) -> int:
    """The largest pixel value that ``tfds:<name>`` stores (255 unless ``MAX_VALUES`` says)."""
    return MAX_VALUES.get(name, MAX_VALUE)


def _builder(tfds, name, data_dir):
    try:
        return tfds.builder(name, data_dir=data_dir, try_gcs=False)
    except tfds.core.registered.DatasetNotFoundError:
        known = tfds.list_builders(with_community_datasets=False)
        raise UserError(f"unknown TFDS data set {name!r}: {closest(name, known)}") from None


def _check_split(name, split, builder):
    """A UserError unless every split that ``split`` names exists.

    Split names are known only once the data is prepared; unprepared data fails later anyway.
    """
    known = list(builder.info.splits.keys())
    parts = [part.split("[")[0] for part in split.split("+")]  # e.g. "train[:10%]+test"
    if known and not set(parts) <= set(known):
        raise UserError(f"{PREFIX}{name} has no split {split!r}; its splits are {', '.join(known)}")


def _data_source(name, split, builder):
    try:
        return builder.as_data_source(split=split)
    except NotImplementedError:
        root = builder.data_dir_root
        raise UserError(
            f"{PREFIX}{name} (split {split!r}) is not prepared in array_record format under "
            f"{root}; prepare it once (this step needs TensorFlow) with: tfds build {name} "
            f"--file_format=array_record --data_dir={root}"
        ) from None


def _image_transform(name, stored_shape, image_size):
    """The function that brings one stored image to ``[image_size, image_size, channels]``."""
    height, width, _ = stored_shape
    if image_size is None:
        if height is None or width is None:
            raise UserError(f"{PREFIX}{name} has images of varying size; pass image_size")
        return lambda image: image
    if (height, width) == (image_size, image_size):
        return lambda image: image
    return lambda image: resize(center_crop(image)[None], image_size)[0]


def _check_entries(name, features, feature, wanted, suffix=""):
    """A UserError unless ``tfds:<name>``'s dict feature ``feature`` (``attributes``:
    ``Male``, ...; ``landmarks``: ``nose_x``, ``nose_y``, ...) has an entry named each of
    ``wanted`` (+ ``suffix``)."""
    if not wanted:
        return
    if feature not in features:
        raise UserError(
            f"{PREFIX}{name} has no {feature!r} feature to read {', '.join(wanted)} from; "
            f"its features: {', '.join(features)}"
        )
    known = sorted(key.removesuffix(suffix) for key in features[feature] if key.endswith(suffix))
    for entry in wanted:
        if entry not in known:
            what = feature.removesuffix("s")  # attribute, landmark
            raise UserError(f"{PREFIX}{name} has no {what} {entry!r}: {closest(entry, known)}")


def point_transform(stored_shape, image_size):
    """The map of (row, column) points of a stored image to the pixels of the returned one
    (``_image_transform``): the center crop's offset, then the bilinear resize's scale s with
    pixel centers kept, u ↦ (u + 1/2)·s − 1/2."""
    height, width = stored_shape[:2]
    if image_size is None or (height, width) == (image_size, image_size):
        return lambda points: np.asarray(points, np.float32)
    if height is None or width is None:
        raise UserError("landmarks are read from sets whose images have one stored size")
    side = min(height, width)
    offset = np.array([(height - side) // 2, (width - side) // 2], np.float32)
    scale = np.float32(image_size / side)
    return lambda points: (np.asarray(points, np.float32) - offset + 0.5) * scale - 0.5


def tfds_dataset(
    name,
    split,
    *,
    format,
    image_size,
    data_dir,
    attributes=(),
    landmarks=(),
    derive=None,
    **dataset_kwargs,
):
    """The Dataset of ``tfds:<name>`` (module docstring).

    Args:
      attributes: names of boolean attributes read into a float32 0/1 vector
        ``batch["attributes"]``.
      landmarks: names of landmark points read into ``batch["landmarks"]`` float32 ``[L, 2]``,
        (row, column) in the returned image's pixels.
      derive: None, or ``(function, spec)``: each batch is replaced by ``function(batch,
        draw_keys)`` (``draw_keys`` the rows' stream entropy) and the element spec by
        ``spec(element_spec)`` (e.g. face parts cut at the landmarks: ``jaxgen.data.
        face_parts``).
      dataset_kwargs: as in ``Dataset``.
    """
    if not name:
        raise UserError(f"{PREFIX} needs a TFDS name, e.g. {PREFIX}mnist")
    import tensorflow_datasets as tfds

    builder = _builder(tfds, name, data_dir)
    _check_split(name, split, builder)
    features = builder.info.features
    # the features are known before the data is prepared: a misspelt name is reported first
    _check_entries(name, features, "attributes", attributes)
    _check_entries(name, features, "landmarks", landmarks, suffix="_x")
    source = _data_source(name, split, builder)
    if "image" not in features:
        raise UserError(f"{PREFIX}{name} has no 'image' feature; its features: {list(features)}")
    if not len(source):
        raise UserError(f"{PREFIX}{name} split {split!r} is empty")
    if features["image"].np_dtype != np.uint8:
        raise UserError(
            f"{PREFIX}{name} stores {features['image'].np_dtype} images; only uint8 "
            "images are supported"
        )
    image_shape = features["image"].shape
    if image_size is not None:
        image_size = check_count(image_size, "image_size")
    transform = _image_transform(name, image_shape, image_size)
    has_label = "label" in features
    points = tuple(landmarks)
    move_points = point_transform(image_shape, image_size) if points else None

    def read(indices, draw_keys):
        records = [source[int(index)] for index in indices]  # __getitems__ fails under mock_data
        images = np.stack([transform(record["image"]) for record in records])
        batch = {"image": formats.encode(images, format, max_value(name), draw_keys)}
        if has_label:
            batch["label"] = np.array([record["label"] for record in records], np.int32)
        if attributes:
            batch["attributes"] = np.array(
                [[record["attributes"][a] for a in attributes] for record in records], np.float32
            )
        if points:
            stored = [
                [[r["landmarks"][f"{p}_y"], r["landmarks"][f"{p}_x"]] for p in points]
                for r in records
            ]
            batch["landmarks"] = move_points(stored)
        return batch if derive is None else derive[0](batch, draw_keys)

    size = image_shape[:2] if image_size is None else (image_size, image_size)
    element_spec = {"image": ((*size, image_shape[2]), formats.dtype(format))}
    info = {"format": format, "split": split}
    if has_label:
        element_spec["label"] = ((), np.dtype(np.int32))
        info["num_classes"] = getattr(features["label"], "num_classes", None)
    if attributes:
        element_spec["attributes"] = ((len(attributes),), np.dtype(np.float32))
        info["attributes"] = tuple(attributes)
    if points:
        element_spec["landmarks"] = ((len(points), 2), np.dtype(np.float32))
        info["landmarks"] = points
    if derive is not None:
        element_spec = derive[1](element_spec)
    return finite_dataset(
        PREFIX + name,
        read,
        len(source),
        element_spec=element_spec,
        info=info,
        **dataset_kwargs,
    )
