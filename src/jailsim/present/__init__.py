"""What a reader sees: the self-contained HTML report and the figures across runs.

Built only on the folders and tables the layers below write.
"""
