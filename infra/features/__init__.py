"""One construct per concern. Each takes typed inputs (the data plane, the functions it owns, what it connects
to) and holds the grants of the functions it owns; none imports the stack."""
