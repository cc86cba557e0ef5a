"""_table"""
