"""One prompt and its reply, a conversation, and the interactive chat: what stream and chat share."""
