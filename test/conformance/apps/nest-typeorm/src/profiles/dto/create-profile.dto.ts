export class CreateProfileDto {
  userId: number;
  bio: string;
}
