//! The configuration model: loading a directory of `.tf` files into typed blocks.
