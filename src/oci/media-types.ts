// OCI media types imgc writes and reads (image-spec v1.1).

export const MediaTypes = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  layerTar: "application/vnd.oci.image.layer.v1.tar",
  layerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  empty: "application/vnd.oci.empty.v1+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
} as const;

/** Annotation keys defined by the image spec. */
export const Annotations = {
  refName: "org.opencontainers.image.ref.name",
  created: "org.opencontainers.image.created",
  baseDigest: "org.opencontainers.image.base.digest",
  baseName: "org.opencontainers.image.base.name",
  /** Read by containerd's importer to name an image loaded from an archive. */
  containerdImageName: "io.containerd.image.name",
} as const;
