/** English strings of file attachments (template media, inbox replies). */
export const filesEn = {
  files: {
    attach: 'Attach a file',
    replace: 'Replace',
    remove: 'Remove {{name}}',
    dropHere: 'Drop a file here or choose one',
    dropActive: 'Drop it to attach',
    limits: 'Images JPEG/PNG up to 5 MB, video MP4/3GP and audio up to 16 MB, PDF and Office documents up to 100 MB.',
    uploading: 'Uploading {{name}}…',
    open: 'Open {{name}}',
    kinds: { image: 'Image', video: 'Video', audio: 'Audio', document: 'Document' },
    errors: {
      tooBig: '{{name}} is {{size}}: {{kind}} files can be at most {{max}}.',
      type: '{{name}} cannot be sent: use a JPEG or PNG image, MP4 or 3GP video, AAC, M4A, MP3, AMR or OGG audio, or a PDF, Word, Excel, PowerPoint or text document.',
      oneFile: 'Attach one file at a time.',
    },
  },
};
