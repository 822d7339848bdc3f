"""LEA/OOGO meetings, agendas, decisions and action items (the meetings issue fills this in)."""
