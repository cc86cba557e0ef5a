"""_vqvae"""
