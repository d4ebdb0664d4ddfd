"""A database per git branch: names, the git hook, the switch on checkout, listing and pruning.
May import errors/faults, project/, server/, migrations/ and copies/; nothing above them."""
