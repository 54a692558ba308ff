//! Backends: burn's `flex` on the CPU, and `cuda` behind the `cuda` feature.

/// Inference on the CPU.
pub type CpuBackend = burn::backend::Flex;
/// Training on the CPU.
pub type CpuTrainBackend = burn::backend::Autodiff<CpuBackend>;

/// Inference on an NVIDIA GPU (kernels compiled at run time with NVRTC).
#[cfg(feature = "cuda")]
pub type CudaBackend = burn::backend::Cuda;
/// Training on an NVIDIA GPU.
#[cfg(feature = "cuda")]
pub type CudaTrainBackend = burn::backend::Autodiff<CudaBackend>;
/// The GPU to run on (`Default` is the first one).
#[cfg(feature = "cuda")]
pub type CudaDevice = burn::backend::cuda::CudaDevice;
