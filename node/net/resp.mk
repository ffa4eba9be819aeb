# resp codec.
