"""The chronology stage: assembly, the household graph, the family history and its reports."""
