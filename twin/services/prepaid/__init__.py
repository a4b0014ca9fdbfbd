"""Prepaid electricity: credit kernels, top-up behaviour and the reconnection downlink."""
