import { defineImage, text } from "imgc";

export default defineImage({
  name: "hello",
  files: [text("/etc/motd\0", "hello\0world\n")],
  env: { GREETING: "hello\0" },
  entrypoint: ["/bin/hello", "--name=\0"],
});
