/* The texts of the recording player (js/player.js), zh-CN and English: see core/i18n.js. */
import { register } from "../core/i18n.js";

register({
  "zh-CN": {
    "player.play": "播放",
    "player.pause": "暂停",
    "player.speed": "倍速",
    "player.download": "下载录音",
    "player.waveform_label": "录音波形：点击跳转，左右方向键快退/快进 5 秒",
    "player.error": "录音无法播放（错误 {code}）。",
    "player.cannot_play": "无法开始播放：{message}",
    "player.no_peaks": "无法显示波形：{message}",
  },
  "en": {
    "player.play": "Play",
    "player.pause": "Pause",
    "player.speed": "Speed",
    "player.download": "Download",
    "player.waveform_label": "Waveform: click to seek; left/right arrow keys go back/forward 5 s",
    "player.error": "The recording cannot be played (error {code}).",
    "player.cannot_play": "Cannot start playing: {message}",
    "player.no_peaks": "No waveform: {message}",
  },
});
