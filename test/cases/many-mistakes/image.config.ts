import { copy, defineImage, symlink, text } from "imgc";

export default defineImage({
  name: "Hello World",
  platforms: ["linux/amd64", "linux/aarch64"],
  files: [
    copy("./public", "srv/www", { owner: "nginx" }),
    copy("./assets", "/srv/assets"),
    text("/etc/passwd", "root:x:0:0::/root:/bin/sh\n"),
    symlink("/srv/www/../current", "/srv/www"),
  ],
  user: { name: "app", uid: 10001, shell: "bin/sh" },
  ports: [8080, "443/sctp"],
  env: { "NODE_ENV=production": "" },
  stopSignal: "SIGTREM",
});
