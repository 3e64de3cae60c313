"""The evaluation harness: execution accuracy of the agent on public text-to-SQL suites."""
