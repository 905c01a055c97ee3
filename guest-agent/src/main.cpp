// Placeholder: the agent is being written (issue #2/#3).
int main() { return 0; }
