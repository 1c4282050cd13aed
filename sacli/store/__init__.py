"""What sacli keeps on disk between runs, under the XDG directories."""
