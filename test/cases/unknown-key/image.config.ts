import { defineImage } from "imgc";

export default defineImage({
  name: "hello",
  tags: ["1.0.0"],
  entryPoint: ["/usr/bin/node", "/app/server.js"],
});
