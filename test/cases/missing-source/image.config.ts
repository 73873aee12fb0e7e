import { copy, defineImage } from "imgc";

export default defineImage({
  name: "hello",
  files: [copy("./dist", "/app", { mode: 0o644 })],
});
